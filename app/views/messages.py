"""Page-level messages shared by the grid views."""


def not_saved_message(errors) -> str:
    """The page-level message for a refused save: cell problems counted, others spelled out."""
    general = [e.message for e in errors if not e.column]
    cells = len(errors) - len(general)
    parts = [f"{cells} cell(s) need attention"] if cells else []
    return "Not saved: " + "; ".join(parts + general) + "."
