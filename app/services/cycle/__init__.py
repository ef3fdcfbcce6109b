"""The monthly cycle: saving, submission, validation, corrections, deadlines, status, to-do."""
