import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScimToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True)),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("prefix", models.CharField(max_length=8)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="ScimGroup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("display_name", models.CharField(max_length=200)),
                ("external_id", models.CharField(blank=True, db_index=True, max_length=254)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("members", models.ManyToManyField(blank=True, related_name="scim_groups", to="directory.person")),
            ],
            options={"ordering": ["display_name", "id"]},
        ),
        migrations.CreateModel(
            name="ScimUser",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("user_name", models.CharField(max_length=254)),
                ("external_id", models.CharField(blank=True, db_index=True, max_length=254)),
                ("given_name", models.CharField(blank=True, max_length=200)),
                ("family_name", models.CharField(blank=True, max_length=200)),
                ("display_name", models.CharField(blank=True, max_length=200)),
                ("timezone", models.CharField(blank=True, max_length=64)),
                ("employee_number", models.CharField(blank=True, max_length=64)),
                ("deleted_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "person",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scim_user",
                        to="directory.person",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        django.db.models.functions.text.Lower("user_name"), name="scimuser_name_lower"
                    )
                ],
            },
        ),
    ]
