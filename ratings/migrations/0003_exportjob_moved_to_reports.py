# ExportJob moved to the reports app; its table and rows stay (reports/0001 takes the model over).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0002_recompute_rows_without_db_foreign_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ExportJob")],
            database_operations=[],
        ),
    ]
