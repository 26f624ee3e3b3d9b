from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mooc_bridge_scorm', '0001_commit_sequence'),
    ]

    operations = [
        migrations.CreateModel(
            name='LearnerState',
            fields=[
                ('key', models.CharField(help_text='sha256 of block and learner', max_length=64, primary_key=True, serialize=False)),
                ('data', models.TextField(help_text='record, published and raw_earned as JSON')),
                ('updated', models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
