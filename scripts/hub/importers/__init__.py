"""Directory importers: keep <content>/people/*.yml, and the spaces they know of in <content>/teams/*.md,
in step with an HR export or a Backstage catalog.

python -m hub.importers.hr_csv EXPORT.csv [--content DIR] [--team-map DEPT=SLUG] [--remove-missing]
                               [--dry-run]
python -m hub.importers.backstage CATALOG.yaml [CATALOG.yaml ...] [--content DIR] [--dry-run]
"""
