from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notify', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='email_retry_at',
            field=models.DateTimeField(blank=True, help_text="Failed: when to try again. Sending: when a crashed sender's claim lapses.", null=True),
        ),
    ]
