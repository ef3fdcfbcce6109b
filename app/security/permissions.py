"""Permission and view-menu names used by the MIS (FAB stores them as data)."""

CAN_READ = "can_read"
CAN_EDIT = "can_edit"

# View-menu names of the non-format views.
HOME = "Home"
FORMATS_INDEX = "Format index"
MPR_API = "MPR API"
VALIDATION = "Return validation"
CORRECTIONS = "Correction requests"
STATUS = "Return status"
ACCOUNTS = "User provisioning"
REPORTS = "MPR reports"
SUMMARIES = "Monthly summary reports"  # MSR pages (Functional Owners and the Board)
MASTER_LISTS = "Master lists"  # items of the master lists kept as data (administrators)
BULK_LOAD = "MPR bulk load"  # the bulk-load page and its API (administrators and owners)
FEED_API = "MPR feed API"  # PUT .../fed: the system accounts of the sources (roles "Feed <source>")
TARGETS = "MPR targets"  # targets (set_by: owner): read by offices, Zones, the Board; set by owners

# FAB methods are mapped onto these few permissions (method_permission_name).
READ = "read"
EDIT = "edit"

MENU_ACCESS = "menu_access"
# Menu entries (FAB shows an entry only to roles holding menu_access on it). A menu name
# must differ from every view's permission name above: FAB's permission sync drops from a
# view-menu every permission its view does not declare, so menu_access on "Return status"
# (StatusView's name) was deleted again at each sync, or refused with a warning.
MENU_FORMATS = "Formats"
MENU_STATUS = "Status"
MENU_VALIDATION = "Validation"
MENU_CORRECTIONS = "Corrections"
MENU_ACCOUNTS = "Provision users"
MENU_REPORTS = "Reports"
MENU_SUMMARIES = "Summary reports"
MENU_BULK_LOAD = "Bulk load"
MENU_MASTERS = "Master list items"
MENU_TARGETS = "Targets"
MENU_SCORECARDS = "Scorecards"  # the scorecard pages are read with SUMMARIES (the same readers)

# Messaging: mailbox, helpdesk (pages and API), the owners' helpdesk queue, and the
# administrator's outbox. MENU_HELPDESK names the Helpdesk menu category.
MAILBOX = "Mailbox"
HELPDESK = "Helpdesk"
HELPDESK_QUEUE = "Helpdesk query queue"
MESSAGING_API = "MPR messaging API"
OUTBOX = "Notification outbox"
MENU_MAILBOX = "Mailbox"
MENU_HELPDESK = "Helpdesk"
MENU_HELPDESK_QUERIES = "Helpdesk queries"
MENU_HELPDESK_QUEUE = "Query queue"
MENU_OUTBOX = "Outbox"

# The management dashboard (issue 13): its page and workbook (the API is under MPR_API).
DASHBOARD = "Management dashboard"
MENU_DASHBOARD = "Dashboard"


def methods(read: tuple[str, ...] = (), edit: tuple[str, ...] = ()) -> dict[str, str]:
    """FAB's `method_permission_name` for a view: each method named onto READ or EDIT."""
    return {**dict.fromkeys(read, READ), **dict.fromkeys(edit, EDIT)}
