"""The district's directory from the files an office keeps: organisations and people imported from
CSV/XLSX (dry run, row-level problems, nothing written unless every row is good), exported in the same
format, and invitations for the people imported. Used by `flask orgs …`, `flask users import` and the
admin upload pages alike."""
