"""优学院 (*.ulearning.cn): course pages are routes inside ``courseweb.ulearning.cn/ulearning/index.html#/course/…``."""

from __future__ import annotations

from .rules import Platform, Rule

ROUTE = r"/course/{section}\?(?:[^#]*&)?courseId=(?P<course_id>[0-9]{{1,15}})(?:&[^#]*)?"

PLATFORM = Platform(
    id="ulearning",
    name_zh="优学院",
    name_en="ULearning",
    hosts=("*.ulearning.cn",),
    family="mooc",
    rules=(
        Rule("textbook", r"/ulearning/index\.html", hosts=("courseweb.ulearning.cn",),
             fragment=ROUTE.format(section="textbook")),
        Rule("assignment", r"/ulearning/index\.html", hosts=("courseweb.ulearning.cn",),
             fragment=ROUTE.format(section="homework")),
    ),
    examples=("https://courseweb.ulearning.cn/ulearning/index.html#/course/textbook?courseId=12345",),
)
