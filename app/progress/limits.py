"""How much one report, reason or note may hold: the services refuse more (the forms' Length
validators say the same to the browser)."""

MAX_FILES_PER_REPORT = 10
MAX_RESULT_CHARS = 20000
MAX_REASON_CHARS = 2000
