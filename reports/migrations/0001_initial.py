# ExportJob moves here from ratings: the model is taken over as it is (its table ratings_exportjob with every row),
# then the table is renamed to this app's name. Nothing is copied, nothing is lost.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("ratings", "0003_exportjob_moved_to_reports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=30, verbose_name="вид")),
                        ("params", models.JSONField(default=dict, verbose_name="параметры")),
                        (
                            "state",
                            models.CharField(
                                choices=[("queued", "в очереди"), ("running", "формируется"), ("done", "готов"), ("failed", "ошибка")],
                                default="queued",
                                max_length=10,
                                verbose_name="состояние",
                            ),
                        ),
                        ("done_rows", models.PositiveIntegerField(default=0, verbose_name="готово строк")),
                        ("total_rows", models.PositiveIntegerField(default=0, verbose_name="всего строк")),
                        ("file", models.FileField(blank=True, upload_to="exports/%Y/%m/", verbose_name="файл")),
                        ("error", models.TextField(blank=True, verbose_name="ошибка")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="заказан")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="готов")),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="кто заказал"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "выгрузка Excel",
                        "verbose_name_plural": "выгрузки Excel",
                        "ordering": ["-created_at"],
                        "db_table": "ratings_exportjob",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="ExportJob", table=None),
    ]
