"""Role: the holder of the role permissions (no table)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Role',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'permissions': [('use_labs', 'Can work in labs of their own'), ('teach_classrooms', 'Can create classrooms and follow their learners')],
                'managed': False,
                'default_permissions': (),
            },
        ),
    ]
