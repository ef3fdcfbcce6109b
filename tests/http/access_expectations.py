"""The privilege table of MISSION.md as rules: every endpoint's expected answer per role and office.

test_access_matrix.py takes the endpoint list from the application's URL map, finds
the one rule below that matches each endpoint, and sends every (role, own office /
foreign office) request. An endpoint that no rule matches fails the test: a new page,
action, API or export cannot be added without saying who may use it.

The rules are written from the privilege table, not from app/security/policy.py:

| Purpose                        | Who                                                          |
|--------------------------------|--------------------------------------------------------------|
| Enter, submit, correct         | the entering office itself; nobody else, not even its Zone   |
| Validate, send back            | the jurisdictional Zone (DGRI / DGCEI HQ for their ADGs)     |
| See returns and their status   | the office, its Zone, the format's FO, the Board             |
| Read a draft's figures         | the entering office only                                     |
| Read submitted figures         | the office and its validator (Zone, DGRI / DGCEI HQ)         |
| Read validated figures         | as reports                                                   |
| Monthly Summary Reports        | the format's FO, the Board                                   |
| Dashboard                      | the FOs (their formats' indicators), the Board               |
| Scorecards                     | the scorecard's FO, the Board (a Board scorecard: the Board) |
| See reports                    | as status; Divisions/Ranges their Commissionerate, and       |
|                                | Commissionerates/Zones other offices, from notified dates    |
| Decide correction requests     | the format's FO                                              |
| Bulk load past months          | the format's FO, administrators                              |
| Helpdesk queue: close, assign  | the format's FO (the Board reads every query)                |
| Change password and profile    | every user                                                   |
| Users, roles, permissions      | administrators only (administrators never enter or validate) |
| Master-list items              | administrators only                                          |
| Write fed cells (API only)     | the system account of the source feeding them ("Feed GSTN"), |
|                                | for every office filing the format; it does nothing else     |
| Set targets (set_by: owner)    | the format's FO (its owner role); nobody enters them as a    |
|                                | return; offices and Zones read their own, the Board all      |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from app.definitions import load_definitions
from config import Config


class Role(StrEnum):
    """Who asks (the MIS roles, plus a visitor who is not signed in)."""

    ADMIN = "Admin"
    BOARD = "Board"
    OWNER = "Owner"  # a Functional Owner directorate
    ZONE = "Zone"  # a Zone, or DGRI / DGCEI Headquarters validating their ADGs
    OFFICE = "Office"  # a Commissionerate, or an ADG's zonal unit
    FIELD = "Division/Range"
    FEED = "Feed"  # a source's system account (role "Feed <source>"): belongs to no office
    ANONYMOUS = "anonymous"


class Side(StrEnum):
    """Which office the request names, seen from the user."""

    OWN = "own"  # in the user's jurisdiction: itself, its Zone's offices, a Division's Commissionerate
    FOREIGN = "foreign"  # outside it
    NONE = "-"  # the endpoint names no office


class Answer(StrEnum):
    """What the application answers, by class."""

    ALLOW = "allow"  # reaches its handler: 2xx, 409, 422, or a redirect elsewhere than the login page
    DENY = "deny"  # 403: the role may not do this at all
    HIDE = "hide"  # 404: outside the jurisdiction, or absent (indistinguishable on purpose)
    LOGIN = "login"  # not signed in: to the login page, or 401 from the API


DRAFT, SUBMITTED, VALIDATED = "draft", "submitted", "validated"
STATES = (DRAFT, SUBMITTED, VALIDATED)  # the return's state: a dimension of the matrix


class Target(StrEnum):
    """What an endpoint's URL (or body) names, so the test can build the request."""

    NONE = "none"  # nothing office-specific
    FORMAT = "format"  # a format page: /mpr/f/<format>/<office>/<period>[/...]
    FORMAT_ONLY = "format-only"  # a format's script: no office
    API_RETURN = "api-return"  # /api/v1/mpr/returns/<format>/<office>/<period>[/submit]
    API_NEW_CORRECTION = "api-new-correction"  # body {"format", "office", ...}
    CORRECTION = "correction"  # a correction request's number
    VALIDATION = "validation"  # /<owner>/<office>/<period>
    REPORT = "report"  # a report over a unit: .../<format or owner>/<unit>/<period>[/print|/xlsx]


@dataclass(frozen=True)
class Case:
    """One cell of the matrix, as an expectation sees it."""

    role: Role
    side: Side
    method: str
    owns_format: bool = False  # the user's office is the Functional Owner of the format concerned
    field_reports: bool = False  # MPR_FIELD_REPORTS_FROM has passed
    open_reports: bool = False  # MPR_OPEN_REPORTS_FROM has passed
    state: str = DRAFT  # the status of the return the request names


Expected = Answer | frozenset[Answer]
Expectation = Callable[[Case], Expected]

ALLOW, DENY, HIDE, LOGIN = Answer.ALLOW, Answer.DENY, Answer.HIDE, Answer.LOGIN
ADMIN, BOARD, OWNER, ZONE, OFFICE, FIELD, FEED, ANONYMOUS = (
    Role.ADMIN,
    Role.BOARD,
    Role.OWNER,
    Role.ZONE,
    Role.OFFICE,
    Role.FIELD,
    Role.FEED,
    Role.ANONYMOUS,
)
OWN = Side.OWN


# ----------------------------------------------------------------- who may, in general


def public(_case: Case) -> Expected:
    """Anyone, signed in or not (login page, logout, language, 'back')."""
    return ALLOW


def signed_in(case: Case) -> Expected:
    """Every signed-in user (home, format index, status, mailbox-like lists, own profile)."""
    return LOGIN if case.role is ANONYMOUS else ALLOW


def token_refresh(case: Case) -> Expected:
    """FAB's JWT refresh: whoever holds a refresh token, system accounts included."""
    return LOGIN if case.role is ANONYMOUS else ALLOW


def login_form(case: Case) -> Expected:
    """The login form: shown to anyone; a wrong password sends a visitor back to it."""
    if case.role is ANONYMOUS and case.method != "GET":
        return LOGIN
    return ALLOW


def admin_only(case: Case) -> Expected:
    """Administrators only (provisioning, FAB's user and role administration)."""
    if case.role is ANONYMOUS:
        return LOGIN
    return ALLOW if case.role is ADMIN else DENY


def admin_records(case: Case) -> Expected:
    """Administrators only; the record named is absent, so an administrator may get 404 after that."""
    if case.role is ANONYMOUS:
        return LOGIN
    return frozenset({ALLOW, HIDE}) if case.role is ADMIN else DENY


def admin_unknown_action(case: Case) -> Expected:
    """FAB's read-only lists have no actions: 404 for an administrator, 403 for everyone else."""
    if case.role is ANONYMOUS:
        return LOGIN
    return HIDE if case.role is ADMIN else DENY


def nobody(case: Case) -> Expected:
    """Registered by FAB but not part of its permissions (read-only lists): refused even to administrators."""
    return LOGIN if case.role is ANONYMOUS else DENY


# ----------------------------------------------------------------- returns and reports


def _reports_open(case: Case) -> bool:
    if case.role is FIELD:
        return case.side is OWN and case.field_reports
    if case.role in (OFFICE, ZONE):
        return case.side is OWN or case.open_reports
    return False


def _sees_status(case: Case) -> bool:
    """The return's record and status: the office, its Zone, the format's FO, the Board."""
    if case.owns_format or case.role in (ADMIN, BOARD):
        return True
    return case.role in (OFFICE, ZONE) and case.side is OWN


def _reads_figures(case: Case) -> bool:
    """A draft: its office only; submitted: also its validator; validated: whoever sees it as a report."""
    if case.role is OFFICE and case.side is OWN:
        return True
    if case.state == SUBMITTED:
        return case.role is ZONE and case.side is OWN
    return case.state == VALIDATED


def _figures(case: Case) -> Expected:
    """Once the return is seen: its figures, else 403 to those who see its status and 404 to the rest."""
    if _reads_figures(case):
        return ALLOW
    return DENY if _sees_status(case) else HIDE


def see_report(case: Case) -> Expected:
    """A return's figures (grid page, earlier revision): as reports, and only as its state allows."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is OWNER and not case.owns_format:
        return DENY  # holds no permission on another FO's format
    if not (case.owns_format or case.role in (ADMIN, BOARD) or _reports_open(case)):
        return HIDE
    return _figures(case)


def see_return(case: Case) -> Expected:
    """A return's own record (its history): office, Zone, FO, Board; the report dates do not widen it."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.owns_format:
        return ALLOW
    if case.role is OWNER:
        return DENY
    if case.role in (ADMIN, BOARD):
        return ALLOW
    if case.role is FIELD:
        return HIDE
    return ALLOW if case.side is OWN else HIDE


def format_script(case: Case) -> Expected:
    """A format's formulas as JavaScript: whoever may read the format."""
    if case.role is ANONYMOUS:
        return LOGIN
    return DENY if case.role is OWNER and not case.owns_format else ALLOW


def enter_page(case: Case) -> Expected:
    """Fill, save, submit, correct a return (pages): the entering office itself, no one else."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is OFFICE:
        return ALLOW if case.side is OWN else HIDE
    if case.role is ADMIN:
        return HIDE  # holds every permission, enters nothing: nothing of it is in its jurisdiction
    return DENY


def read_return_api(case: Case) -> Expected:
    """GET a return on the API: as reports; 404 (not 403) for an FO asking about another FO's format."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is OWNER and not case.owns_format:
        return HIDE
    if not (case.owns_format or case.role in (ADMIN, BOARD) or _reports_open(case)):
        return HIDE
    return _figures(case)


def see_unit_report(case: Case) -> Expected:
    """A report over a unit (page, print, Excel, API): as a validated return read on the API, widened by
    the dates. Reports hold validated figures only, so the state of the return named does not matter."""
    return read_return_api(replace(case, state=VALIDATED))


def _api_writer(case: Case, seen: bool) -> Expected:
    """API writes: roles without any API write permission get 403 first; then 404 outside what they see."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role in (BOARD, FIELD, ADMIN):
        return DENY
    if not (seen or case.owns_format):
        return HIDE
    return ALLOW if case.role is OFFICE and case.side is OWN else DENY


def save_return_api(case: Case) -> Expected:
    """PUT a draft: the entering office; others who can see the return get 403, the rest 404."""
    return _api_writer(case, seen=_reports_open(case))


def enter_api(case: Case) -> Expected:
    """Submit, raise a correction (API): the entering office; seeing is judged on returns, not reports."""
    return _api_writer(case, seen=case.side is OWN)


def validate_page(case: Case) -> Expected:
    """Validate an FO's formats of an office (page): its Zone only."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is ZONE:
        return ALLOW if case.side is OWN else HIDE
    if case.role is ADMIN:
        return HIDE  # holds the permission, validates nothing
    return DENY


def validate_api(case: Case) -> Expected:
    """Validate (API): its Zone; an office or FO that sees the office gets 403."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role in (BOARD, FIELD, ADMIN, OWNER):
        return DENY
    if case.role is ZONE:
        return ALLOW if case.side is OWN else HIDE
    return DENY if case.side is OWN else HIDE


def send_back_api(case: Case) -> Expected:
    """Send a submitted return back (API): its Zone; others who see the return get 403, the rest 404."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role in (BOARD, FIELD, ADMIN):
        return DENY  # no API write permission at all
    if not (case.side is OWN or case.owns_format):
        return HIDE
    return ALLOW if case.role is ZONE and case.side is OWN else DENY


def validation_list(case: Case) -> Expected:
    """The validation page: Zones (and administrators, who see everything)."""
    if case.role is ANONYMOUS:
        return LOGIN
    return ALLOW if case.role in (ZONE, ADMIN) else DENY


def see_correction(case: Case) -> Expected:
    """A correction request: whoever sees the return (office, Zone, FO, Board)."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role in (ADMIN, BOARD) or case.owns_format:
        return ALLOW
    if case.role in (OWNER, FIELD):
        return HIDE
    return ALLOW if case.side is OWN else HIDE


def decide_correction_page(case: Case) -> Expected:
    """Approve or reject (page): the format's FO only."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is OWNER:
        return ALLOW if case.owns_format else HIDE
    if case.role in (ADMIN, BOARD, ZONE, FIELD):
        return DENY
    return DENY if case.side is OWN else HIDE


def decide_correction_api(case: Case) -> Expected:
    """Approve or reject (API): the format's FO only; others who see the request get 403."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is OWNER:
        return ALLOW if case.owns_format else HIDE
    if case.role in (ADMIN, BOARD, FIELD):
        return DENY
    return DENY if case.side is OWN else HIDE


def api_login(case: Case) -> Expected:
    """FAB's API login: anyone may try; a visitor without a valid password gets 401."""
    return LOGIN if case.role is ANONYMOUS else ALLOW


def bulk_loaders(case: Case) -> Expected:
    """The bulk-load page: administrators and the Functional Owners (each loads its own formats)."""
    if case.role is ANONYMOUS:
        return LOGIN
    return ALLOW if case.role in (ADMIN, OWNER) else DENY


def bulk_load(case: Case) -> Expected:
    """Bulk load one format (template, check, load; page and API): administrators and the format's FO;
    another FO is answered as if the format did not exist, every other role is refused."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is OWNER:
        return ALLOW if case.owns_format else HIDE
    return ALLOW if case.role is ADMIN else DENY


def feed_cells(case: Case) -> Expected:
    """PUT fed cells (API): a source's system account, for every office filing the format (a national
    system: no jurisdiction); every other role holds no permission on the feed API (403)."""
    if case.role is ANONYMOUS:
        return LOGIN
    return ALLOW if case.role is FEED else DENY


# ----------------------------------------------------------------- targets set by the owner (issue 13)


def owner_set_entry(case: Case) -> Expected:
    """Fill, save, submit, correct a format set by its owner (targets) as a return: nobody (the office
    and an administrator get 404 as for another office's return; roles without the permission 403)."""
    if case.role is ANONYMOUS:
        return LOGIN
    return HIDE if case.role in (OFFICE, ADMIN) else DENY


def _target_reader(case: Case, office_scoped: bool) -> Expected:
    """Targets: the format's FO, the Board and administrators read all; another FO gets 404 (as if the
    format did not exist); a Zone its offices', an office its own (404 for others); the rest 403."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is OWNER:
        return ALLOW if case.owns_format else HIDE
    if case.role in (ADMIN, BOARD):
        return ALLOW
    if case.role in (ZONE, OFFICE):
        return ALLOW if not office_scoped or case.side is OWN else HIDE
    return DENY


def target_list(case: Case) -> Expected:
    """The Targets index: whoever reads some targets (an FO sees its formats', maybe none)."""
    if case.role is OWNER:
        return ALLOW
    return _target_reader(case, office_scoped=False)


def target_year(case: Case) -> Expected:
    """A year's targets of every office the caller reads (page and API)."""
    return _target_reader(case, office_scoped=False)


def target_office(case: Case) -> Expected:
    """One office's targets for a year (page and API)."""
    return _target_reader(case, office_scoped=True)


def set_target_page(case: Case) -> Expected:
    """Set an office's targets (page): the format's FO; another FO 404; an administrator reaches the
    service and is refused (403); roles without the edit permission 403."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is OWNER:
        return ALLOW if case.owns_format else HIDE
    return DENY


def set_target_api(case: Case) -> Expected:
    """Set an office's targets (API): the format's FO; an office or Zone that reads them 403, the rest of
    them 404; another FO 404; the Board, Divisions and administrators 403."""
    if case.role is ANONYMOUS:
        return LOGIN
    if case.role is OWNER:
        return ALLOW if case.owns_format else HIDE
    if case.role in (ZONE, OFFICE):
        return DENY if case.side is OWN else HIDE
    return DENY


# ----------------------------------------------------------------- mailbox and helpdesk


def raise_query(case: Case) -> Expected:
    """Raise a helpdesk query: any user of an office; administrators belong to none."""
    if case.role is ANONYMOUS:
        return LOGIN
    return DENY if case.role is ADMIN else ALLOW


def addressed_record(case: Case) -> Expected:
    """A message or query by id: its sender, recipients or jurisdiction only (the matrix names none)."""
    return LOGIN if case.role is ANONYMOUS else HIDE


def summary_reader(case: Case) -> Expected:
    """Monthly Summary Reports: the FOs (their formats'), the Board and administrators."""
    if case.role is ANONYMOUS:
        return LOGIN
    return ALLOW if case.role in (OWNER, BOARD, ADMIN) else DENY


def summary_record(case: Case) -> Expected:
    """One MSR: refused to the other roles; the matrix names an absent one, so its readers get 404."""
    if case.role is ANONYMOUS:
        return LOGIN
    return HIDE if case.role in (OWNER, BOARD, ADMIN) else DENY


def dashboard_reader(case: Case) -> Expected:
    """The management dashboard (page, workbook, API): the FOs (their formats' indicators), the Board
    (all) and administrators; other roles 403. The matrix names a valid month, so readers reach it."""
    if case.role is ANONYMOUS:
        return LOGIN
    return ALLOW if case.role in (OWNER, BOARD, ADMIN) else DENY


def queue_reader(case: Case) -> Expected:
    """The helpdesk queue: the FOs (their formats' queries), the Board (all, read only), administrators."""
    if case.role is ANONYMOUS:
        return LOGIN
    return ALLOW if case.role in (OWNER, BOARD, ADMIN) else DENY


def queue_worker(case: Case) -> Expected:
    """Assign from the queue (the follow-up form): the FOs; administrators hold every permission and are
    refused per query (the matrix names none: 422)."""
    if case.role is ANONYMOUS:
        return LOGIN
    return ALLOW if case.role in (OWNER, ADMIN) else DENY


def queue_action(case: Case) -> Expected:
    """Bulk Close / Assign on the queue: the FOs (and administrators) reach the row check, where the
    absent row named is 404; the Board and offices get 403."""
    if case.role is ANONYMOUS:
        return LOGIN
    return HIDE if case.role in (OWNER, ADMIN) else DENY


# ----------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Rule:
    """Endpoints matching `pattern` (full match) are expected to answer as `expect` says."""

    pattern: str
    expect: Expectation
    target: Target = Target.NONE

    def matches(self, endpoint: str) -> bool:
        """Whether this rule covers `endpoint`."""
        return re.fullmatch(self.pattern, endpoint) is not None

    def expected(self, case: Case) -> Expected:
        """The answer for `case`: a system account is refused everything but feeding and signing in."""
        if case.role is FEED and self.expect not in FOR_SYSTEM_ACCOUNTS:
            return DENY
        return self.expect(case)


# What a source's system account may reach: pages for anyone, its API login and token, the feed.
FOR_SYSTEM_ACCOUNTS = (public, login_form, api_login, token_refresh, feed_cells)


FORMAT = r"Format_[a-z0-9_]+"
# Formats set by their owner (set_by: owner): their return pages accept no entry from anyone.
OWNER_SET = tuple(f.slug for f in load_definitions(Config.MPR_DEFINITIONS).formats.values() if f.set_by_owner)
FORMAT_OWNER_SET = rf"Format_({'|'.join(OWNER_SET)})"
FORMAT_FILED = rf"Format_(?!(?:{'|'.join(OWNER_SET)})\.)[a-z0-9_]+"
FAB_EDITABLE = r"(MprUserDBModelView|RoleModelView)"
FAB_LISTS = r"(PermissionModelView|ViewMenuModelView|PermissionViewModelView)"  # FAB keeps these read-only
FAB_READ_ONLY = rf"({FAB_LISTS[1:-1]}|MprGroupModelView)"  # the MIS grants roles to users, never by group

RULES: tuple[Rule, ...] = (
    # --- signing in and out, and pages for anyone -------------------------------------
    Rule(r"AuthDBView\.login", login_form),
    Rule(r"AuthDBView\.logout", public),
    Rule(r"LocaleView\.index", public),
    Rule(r"LanguageChoice\.keep", public),  # POST with CSRF; keeps a signed-in user's choice
    Rule(r"UtilView\.back", public),
    Rule(r"health\.health_check", public),  # load balancers ask it; it tells nothing but up or down
    Rule(r"SecurityApi\.login", api_login),
    Rule(r"SecurityApi\.refresh", token_refresh),
    # --- every signed-in user ---------------------------------------------------------
    Rule(r"HomeView\.index", signed_in),
    Rule(r"FormatIndexView\.index", signed_in),
    Rule(r"StatusView\.index", signed_in),
    Rule(r"CorrectionsView\.index", signed_in),
    Rule(r"MprApi\.(formats|offices)", signed_in),
    Rule(r"MprCycleApi\.status", signed_in),
    Rule(r"MprOpenApi\.get", signed_in),  # the OpenAPI document (issue 8)
    Rule(r"AccountView\.password", signed_in),
    # FAB's own profile and password links lead every user to the MIS form
    Rule(r"MprResetMyPasswordView\.this_form_(get|post)", signed_in),
    Rule(r"MprUserInfoEditView\.this_form_(get|post)", signed_in),
    Rule(r"MprUserDBModelView\.userinfo", signed_in),
    # --- one format's pages -----------------------------------------------------------
    Rule(rf"{FORMAT}\.grid", see_report, Target.FORMAT),
    Rule(rf"{FORMAT}\.revision", see_report, Target.FORMAT),
    Rule(rf"{FORMAT}\.history", see_return, Target.FORMAT),
    Rule(rf"{FORMAT_FILED}\.(save|submit|correct_form|correct|template|upload)", enter_page, Target.FORMAT),
    Rule(rf"{FORMAT}\.formulas", format_script, Target.FORMAT_ONLY),
    # --- the JSON API -----------------------------------------------------------------
    Rule(r"MprApi\.get_return", read_return_api, Target.API_RETURN),
    Rule(r"MprApi\.(put_return|get_template|upload_return)", save_return_api, Target.API_RETURN),
    Rule(r"MprCycleApi\.submit_return", enter_api, Target.API_RETURN),
    Rule(r"MprCycleApi\.raise_correction", enter_api, Target.API_NEW_CORRECTION),
    Rule(r"MprCycleApi\.validate", validate_api, Target.VALIDATION),
    Rule(r"MprCycleApi\.send_back", send_back_api, Target.API_RETURN),
    Rule(r"MprCycleApi\.(approve|reject)", decide_correction_api, Target.CORRECTION),
    Rule(r"MprReportApi\.(get_report|get_report_xlsx)", see_unit_report, Target.REPORT),
    Rule(r"MprFeedApi\.put_fed", feed_cells, Target.API_RETURN),
    # --- reports ----------------------------------------------------------------------
    Rule(r"ReportsView\.index", signed_in),
    Rule(r"SummariesView\.index", summary_reader),
    Rule(r"SummariesView\.(show|print_view|xlsx)", summary_record),
    Rule(r"MprSummaryApi\.list_summaries", summary_reader),
    Rule(r"MprSummaryApi\.(get_summary|get_summary_xlsx)", summary_record),
    # scorecards (issue 13): read as the MSRs are, by the FOs (their own) and the Board
    Rule(r"ScorecardsView\.index", summary_reader),
    Rule(r"ScorecardsView\.(show|print_view|xlsx)", summary_record),
    Rule(r"MprScorecardApi\.list_scorecards", summary_reader),
    Rule(r"MprScorecardApi\.(get_scorecard|get_scorecard_xlsx)", summary_record),
    Rule(
        r"ReportsView\.(show|print_view|xlsx|owner_show|owner_print|owner_xlsx)",
        see_unit_report,
        Target.REPORT,
    ),
    # --- the management dashboard (issue 13) -------------------------------------------
    Rule(r"DashboardView\.(index|xlsx)", dashboard_reader),
    Rule(r"MprDashboardApi\.(get_dashboard|get_dashboard_xlsx)", dashboard_reader),
    # --- validation and corrections pages ---------------------------------------------
    Rule(r"ValidationView\.index", validation_list),
    Rule(r"ValidationView\.validate", validate_page, Target.VALIDATION),
    Rule(r"ValidationView\.(send_back_form|send_back)", validate_page, Target.VALIDATION),
    Rule(r"CorrectionsView\.show", see_correction, Target.CORRECTION),
    Rule(r"CorrectionsView\.(approve|reject)", decide_correction_page, Target.CORRECTION),
    # --- bulk load of past months (issue 12) --------------------------------------------
    Rule(r"BulkLoadView\.index", bulk_loaders),
    Rule(r"BulkLoadView\.(format_page|template|load)", bulk_load),
    Rule(r"MprBulkApi\.(template|load)", bulk_load),
    # --- targets set by the owner (issue 13) ------------------------------------------
    Rule(
        rf"{FORMAT_OWNER_SET}\.(save|submit|correct_form|correct|template|upload)",
        owner_set_entry,
        Target.FORMAT,
    ),
    Rule(r"TargetsView\.index", target_list),
    Rule(r"TargetsView\.year", target_year),
    Rule(r"TargetsView\.office", target_office, Target.FORMAT),
    Rule(r"TargetsView\.save", set_target_page, Target.FORMAT),
    Rule(r"MprTargetsApi\.list_targets", target_year),
    Rule(r"MprTargetsApi\.get_target", target_office, Target.FORMAT),
    Rule(r"MprTargetsApi\.put_target", set_target_api, Target.FORMAT),
    # --- mailbox and helpdesk (jurisdiction per message and query: tests/messaging) ------
    Rule(r"MailboxView\.(index|send|preferences|save_preferences)", signed_in),
    Rule(r"MailboxView\.show", addressed_record),
    Rule(r"HelpdeskView\.index", signed_in),
    Rule(r"HelpdeskView\.raise_query", raise_query),
    Rule(r"HelpdeskView\.(show|respond)", addressed_record),
    Rule(r"MprMessagingApi\.(list_messages|send_message|list_groups|list_queries)", signed_in),
    Rule(r"MprMessagingApi\.raise_query", raise_query),
    Rule(r"MprMessagingApi\.(read_message|get_query|reply_query)", addressed_record),
    Rule(r"HelpdeskQueueView\.list", queue_reader),
    Rule(r"HelpdeskQueueView\.(assign_form|assign_apply)", queue_worker),
    Rule(r"HelpdeskQueueView\.action_post", queue_action),
    Rule(r"OutboxView\.index", admin_only),
    # --- administration ---------------------------------------------------------------
    Rule(r"AccountsView\.(index|provision|reissue|reissue_named|unlock)", admin_only),
    Rule(r"MastersView\.(index|load)", admin_only),
    Rule(r"MastersView\.(show|add_item|edit_item|remove_item)", admin_records),
    Rule(rf"{FAB_EDITABLE}\.(list|add)", admin_only),
    Rule(rf"{FAB_EDITABLE}\.(show|edit|delete|download|action|action_post)", admin_records),
    Rule(rf"{FAB_READ_ONLY}\.list", admin_only),
    Rule(r"MprGroupModelView\.show", admin_records),
    Rule(rf"{FAB_LISTS}\.show", nobody),
    Rule(rf"{FAB_READ_ONLY}\.(action|action_post)", admin_unknown_action),
    Rule(rf"{FAB_READ_ONLY}\.(add|edit|delete|download)", nobody),
    Rule(r"MprResetPasswordView\.this_form_(get|post)", admin_only),
    Rule(r"MenuApi\.get_menu_data", admin_only),
)

# Served files, not application endpoints: excluded by name, with the reason.
EXCLUDED: dict[str, str] = {
    "static": "the MIS's own CSS and JavaScript files",
    "appbuilder.static": "FAB's bundled Bootstrap, jQuery and fonts",
}


def rules_for(endpoint: str) -> list[Rule]:
    """Every rule matching `endpoint` (exactly one is expected)."""
    return [rule for rule in RULES if rule.matches(endpoint)]
