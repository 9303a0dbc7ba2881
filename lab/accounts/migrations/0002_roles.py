"""The learner and instructor groups with their permissions (lab.accounts.roles).

The permissions are created here rather than left to post_migrate, so the
groups can be given them in the same migration."""
from django.db import migrations

# Frozen copies: a migration must not change when lab.accounts.roles does.
PERMISSIONS = {
    "use_labs": "Can work in labs of their own",
    "teach_classrooms": "Can create classrooms and follow their learners",
}
ROLE_PERMISSIONS = {
    "learner": ["use_labs"],
    "instructor": ["use_labs", "teach_classrooms"],
}


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="role")
    permissions = {}
    for codename, name in PERMISSIONS.items():
        permissions[codename], _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name})
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*(permissions[c] for c in codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="accounts", codename__in=PERMISSIONS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
