"""Oversight pages: overdue review (with export, print and actions), explanations, scorecards, search,
calendar feed and chart data. Each view parses input, calls the oversight service modules, commits once."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app.core.args import int_arg
from app.core.clock import today_local
from app.core.enums import TaskKind
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.periods import Period, parse_period, period_choices
from app.core.permissions import has_permission, requires
from app.core.search import query_words
from app.core.templating import per_language
from app.extensions import db
from app.oversight import (
    actions,
    agency_scorecards,
    dashboard,
    explanation_requests,
    exports,
    ics_feed,
    manual_reminders,
    overdue_pages,
    overdue_review,
    text_search,
)
from app.oversight.blueprint import bp
from app.oversight.forms import (
    CalendarForm,
    ExplanationAnswerForm,
    ExplanationRequestForm,
    OverdueFilterForm,
    ReminderForm,
    ReturnForm,
    ScorecardFilterForm,
    SearchForm,
    choices,
)
from app.tasks.units import BUCKETS

MIN_DAY, MAX_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _form_errors(form) -> None:
    """GET filters that do not parse are ignored, and the user is told which."""
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text
        flash(_("Bộ lọc “%(f)s” không hợp lệ nên không được áp dụng: %(e)s", f=label, e="; ".join(errors)), "warning")
        getattr(form, name).data = None


def _day(value: date | None, default: date) -> date:
    if value is None:
        return default
    if not MIN_DAY <= value <= MAX_DAY:
        flash(_("Ngày %(d)s nằm ngoài khoảng cho phép nên không được áp dụng.", d=value.strftime("%d/%m/%Y")), "warning")
        return default
    return value


def _overdue_filters() -> tuple[overdue_review.OverdueFilters, OverdueFilterForm]:
    form = OverdueFilterForm(request.args)
    if not form.validate():
        _form_errors(form)
    today = today_local()
    period = None
    if form.period.data:
        try:
            period = parse_period(form.period.data)
        except ValidationFailed as error:
            flash(error.message, "warning")
    kind = None
    if form.kind.data in {k.value for k in TaskKind}:
        kind = TaskKind(form.kind.data)
    filters = overdue_review.OverdueFilters(
        as_of=_day(form.as_of.data, today),
        period=period,
        directive_id=int(form.directive.data) if (form.directive.data or "").isdigit() else None,
        agency_id=int(form.agency.data) if (form.agency.data or "").isdigit() else None,
        kind=kind,
        bucket=form.bucket.data if form.bucket.data in {b[0] for b in BUCKETS} else None,
        sort="recent" if form.sort.data == "recent" else "late",
    )
    return filters, form


def _filter_args(filters: overdue_review.OverdueFilters, **changes) -> dict:
    """The query string of the current filters (for links that keep them), with ``changes`` applied."""
    args = {
        "as_of": filters.as_of.isoformat() if filters.as_of != today_local() else None,
        "period": filters.period.code if filters.period else None, "directive": filters.directive_id,
        "agency": filters.agency_id, "kind": filters.kind.value if filters.kind else None, "bucket": filters.bucket,
        "sort": filters.sort if filters.sort != "late" else None,
    }
    args.update(changes)
    return {k: v for k, v in args.items() if v not in (None, "")}


def _options_html(pairs, selected) -> Markup:
    """<option> tags for a long select (hundreds of directives), built in one join instead of a template loop."""
    current = str(selected or "")
    # Every value and label is escaped before it is joined, so marking the result safe is sound.
    return Markup("".join(  # noqa: S704
        f'<option value="{escape(value)}"{" selected" if str(value) == current else ""}>{escape(label)}</option>'
        for value, label in pairs))


def _summary_html(snapshot, filters: overdue_review.OverdueFilters, summary, shown) -> Markup:
    """The per-agency ageing table.  It depends only on the snapshot, the filters and the language, so
    it is rendered once per snapshot and kept with it (40 agencies × 5 cells is a third of the page)."""
    from flask_babel import get_locale

    kept = urlencode(_filter_args(filters, agency=None, bucket=None))
    key = ("summary_html", kept, filters.agency_id, str(get_locale()))
    cached = snapshot.summaries.get(key)
    if cached is not None:
        return cached
    # Cells link to "this agency (and bucket)" keeping the other filters, by concatenation (160 links).
    link_base = url_for("oversight.overdue") + "?" + (kept + "&" if kept else "")
    # Rendered straight from the environment: the page's context processors (the unread count query) are
    # not needed by this fragment.  Jinja escapes everything it outputs, so the result is safe markup.
    template = current_app.jinja_env.get_template("oversight/_ageing_summary.html")
    html = Markup(template.render(summary=summary, agencies=shown, buckets=BUCKETS,  # noqa: S704
                                  bucket_label=overdue_review.bucket_label, link_base=link_base))
    _keep(snapshot, key, html)
    return html


def _filter_options(snapshot, filters: overdue_review.OverdueFilters, summary: overdue_review.OverdueSummary) -> dict[str, Markup]:
    """<option> lists of the period, directive and agency filters.  The directive and agency lists come
    from the summary (where there is overdue work), so they are built once per snapshot and filter set."""
    from flask_babel import get_locale

    key = ("options", summary.as_of, filters.period.code if filters.period else None, filters.directive_id,
           filters.kind, filters.agency_id, str(get_locale()))
    cached = snapshot.summaries.get(key)
    if cached is not None:
        return cached
    directives = [(str(i), label) for i, label in summary.directives]
    if filters.directive_id and str(filters.directive_id) not in {d[0] for d in directives}:
        directives.append((str(filters.directive_id), _("Văn bản đã chọn (không có nội dung quá hạn)")))
    agencies = [(str(a.organisation_id), f"{a.name} ({a.total})") for a in summary.agencies]
    if filters.agency_id and str(filters.agency_id) not in {a[0] for a in agencies}:
        agencies.append((str(filters.agency_id), _("Cơ quan đã chọn (không có nội dung quá hạn)")))
    options = {
        "period": _options_html([("", _("Mọi kỳ")), *period_choices(today_local())],
                                filters.period.code if filters.period else ""),
        "directive": _options_html([("", _("Mọi văn bản")), *directives], filters.directive_id),
        "agency": _options_html([("", _("Mọi cơ quan")), *agencies], filters.agency_id),
    }
    _keep(snapshot, key, options)
    return options


@bp.route("/")
@requires("overdue.review")
def index():
    return redirect(url_for("oversight.overdue"))


ID_MARK = "987654321"
#: Rows per page of the review: a screenful or two; the rest is one keyset page away (or in the export).
REVIEW_PAGE_SIZE = 30


def _row_labels() -> dict[str, str]:
    """The list's words, translated once per page rather than once per row (50 rows × 15 words)."""
    return {
        "agency": _("Cơ quan"), "unit": _("Nhiệm vụ, nội dung"), "due": _("Hạn"), "status": _("Trạng thái"),
        "last_report": _("Báo cáo gần nhất"), "reminded": _("Đã nhắc"), "explanation": _("Giải trình"),
        "actions": _("Xử lý"), "of_task": _("Thuộc nhiệm vụ:"), "late_fmt": _("quá hạn %(n)d ngày"),
        "original_fmt": _("hạn ban đầu %(d)s"), "extension_pending": _("đang xin gia hạn"),
        "review_pending": _("đề nghị hoàn thành chờ xác nhận"), "no_report": _("Chưa báo cáo"),
        "times_fmt": _("%(n)d lần"), "answered": _("Đã giải trình"), "awaiting": _("Chờ giải trình"),
        "remind_now": _("Nhắc ngay"), "more": _("Xử lý…"),
    }


def _list_context() -> dict:
    """Labels, link prefixes and badges of the list (about thirty translations, three url_for)."""
    return per_language("oversight.list", _make_list_context)


def _make_list_context() -> dict:
    from app.core.enums import TaskStatus
    from app.core.templating import status_badge

    return {
        "t": _row_labels(), "id_mark": ID_MARK,
        "urls": {"task": url_for("tasks.detail", task_id=0)[:-1],
                 "remind": url_for("oversight.remind", task_id=int(ID_MARK)),
                 "actions": url_for("oversight.unit_actions", task_id=int(ID_MARK))},
        "badges": {s: status_badge(s) for s in TaskStatus}, "status_labels": {s: s.label for s in TaskStatus},
        "escalations": {level: overdue_pages.escalation_label(level) for level in range(4)},
    }


@bp.route("/overdue")
@requires("overdue.review")
def overdue():
    filters, form = _overdue_filters()
    snapshot = overdue_review.overdue_snapshot(filters.as_of)
    summary = overdue_review.overdue_summary(filters, snapshot)
    form.as_of.data, form.sort.data = filters.as_of, filters.sort
    shown = [a for a in summary.agencies if not filters.agency_id or a.organisation_id == filters.agency_id]
    return render_template(
        "oversight/overdue.html", form=form, filters=filters,
        summary_html=_summary_html(snapshot, filters, summary, shown), rows_html=_rows_html(snapshot, filters),
        args=_filter_args(filters), options=_filter_options(snapshot, filters, summary),
    )


#: Stands for the user's CSRF token in the cached rows (it is per session; the rows are not).
CSRF_MARK = "csrf-token-of-the-session"
#: Rendered pages of rows kept per snapshot and process (each 30–130 KB): the busy few, not every query.
ROW_PAGES_KEPT = 32


def _rows_html(snapshot, filters: overdue_review.OverdueFilters) -> Markup:
    """One page of the review's rows.  They depend on the snapshot (whose fingerprint moves with any
    report, reminder, explanation or extension), the query string and the language, so they are
    rendered once per snapshot and kept with it; each user's CSRF token is put in on the way out."""
    from flask_babel import get_locale

    can_remind = has_permission(current_user, "overdue.remind")
    key = (request.full_path, can_remind, str(get_locale()))
    pages = snapshot.summaries.setdefault("rows_html", {})
    html = pages.get(key)
    if html is None:
        page = overdue_pages.overdue_page(filters, cursor=request.args.get("after"), limit=REVIEW_PAGE_SIZE,
                                     snapshot=snapshot)
        template = current_app.jinja_env.get_template("oversight/_overdue_rows.html")
        html = template.render(page=page, args=_filter_args(filters), next_url=request.full_path,
                               can_remind=can_remind, csrf=CSRF_MARK, **_list_context())
        if len(pages) >= ROW_PAGES_KEPT:
            pages.clear()
        pages[key] = html
    # Jinja escaped everything it output; the token is URL-safe text.
    return Markup(html.replace(CSRF_MARK, generate_csrf()))  # noqa: S704


def _keep(snapshot, key: tuple, value) -> None:
    if len(snapshot.summaries) > 500:  # many filter combinations on one snapshot: start again
        snapshot.summaries.clear()
    snapshot.summaries[key] = value


@bp.route("/tasks/<int:task_id>/actions")
@requires("overdue.review")
def unit_actions(task_id: int):
    """One late task (or content item): its history of reports, reminders, explanations and
    extensions, and the actions: remind, ask for an explanation, extend, return."""
    task = actions.get_task_or_404(current_user, task_id)
    item_id = int_arg("item")
    detail = actions.unit_detail(task, item_id, today_local())
    return render_template(
        "oversight/actions.html", task=task, detail=detail, next_url=request.full_path,
        reminder_form=ReminderForm(item_id=str(item_id or "")), explanation_form=ExplanationRequestForm(
            message=_("Đề nghị cơ quan giải trình lý do chậm tiến độ và đề xuất thời hạn hoàn thành.")),
        return_form=ReturnForm(),
        can_remind=has_permission(current_user, "overdue.remind"),
        can_explain=has_permission(current_user, "explanation.request"),
        can_return=has_permission(current_user, "completion.review"),
        can_request_extension=has_permission(current_user, "extension.request"),
        can_decide_extension=has_permission(current_user, "extension.decide"),
    )


@bp.route("/overdue.xlsx")
@requires("overdue.review")
def overdue_export():
    filters, _form = _overdue_filters()
    data = exports.overdue_xlsx(filters, district=current_app.config.get("DISTRICT_NAME", ""))
    name = f"qua-han-{filters.as_of.isoformat()}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/overdue/print")
@requires("overdue.review")
def overdue_print():
    filters, _form = _overdue_filters()
    snapshot = overdue_review.overdue_snapshot(filters.as_of)
    summary = overdue_review.overdue_summary(filters, snapshot)
    rows, truncated = overdue_pages.overdue_rows(filters, limit=overdue_pages.PRINT_LIMIT, snapshot=snapshot)
    shown = [a for a in summary.agencies if not filters.agency_id or a.organisation_id == filters.agency_id]
    groups: dict[int, list] = {}
    for row in rows:
        groups.setdefault(row.organisation_id, []).append(row)
    return render_template("oversight/overdue_print.html", filters=filters, summary=summary, agencies=shown,
                           groups=groups, truncated=truncated, buckets=BUCKETS,
                           bucket_label=overdue_review.bucket_label, args=_filter_args(filters))


def _back(default_endpoint: str = "oversight.overdue", anchor: str | None = None):
    """Redirect to the page the form came from (only pages of this site), at ``anchor`` when given."""
    target = request.form.get("next") or request.args.get("next") or ""
    if not (target.startswith("/") and not target.startswith("//")):
        target = url_for(default_endpoint)
    return redirect(f"{target.split('#')[0]}#{anchor}" if anchor else target)


def _commit_or_flash(action, success: str | None):
    """Run a service call and commit; a refusal is flashed and rolled back (None is returned)."""
    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, NotFound):
            raise
        flash(error.message, "danger")
        return None
    if success:
        flash(success, "success")
    return result


@bp.route("/tasks/<int:task_id>/remind", methods=["POST"])
@requires("overdue.remind")
def remind(task_id: int):
    task = actions.get_task_or_404(current_user, task_id)
    form = ReminderForm()
    if not form.validate_on_submit():
        flash(_("Lời nhắc không hợp lệ (tối đa 2000 ký tự)."), "danger")
        return _back()
    item_id = int(form.item_id.data) if (form.item_id.data or "").isdigit() else None
    # Back to the row the reminder was sent from (the list) or to the reminder history (the task's page).
    anchor = f"overdue-{task_id}-{item_id or 0}" if "/actions" not in request.form.get("next", "") else "reminders"
    result = _commit_or_flash(lambda: manual_reminders.send_manual_reminder(
        current_user, task, item_id=item_id, message=form.message.data or ""), None)
    if result is None:
        return _back(anchor=anchor)
    said = manual_reminders.outcome(result.sent, result.failed)
    flash(said.message, said.category)
    return _back(anchor=anchor)


@bp.route("/tasks/<int:task_id>/explanation", methods=["POST"])
@requires("explanation.request")
def request_explanation(task_id: int):
    task = actions.get_task_or_404(current_user, task_id)
    form = ExplanationRequestForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng nhập nội dung yêu cầu giải trình (tối đa 2000 ký tự)."), "danger")
        return _back()
    _commit_or_flash(lambda: explanation_requests.request_explanation(current_user, task, form.message.data),
                     _("Đã gửi yêu cầu giải trình tới cơ quan."))
    return _back()


@bp.route("/reports/<int:report_id>/return", methods=["POST"])
@requires("completion.review")
def return_completion(report_id: int):
    from app.progress import review

    report = review.get_report_for(current_user, report_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng nêu lý do trả lại (tối đa 2000 ký tự)."), "danger")
        return _back()
    _commit_or_flash(lambda: review.return_completion(current_user, report, form.reason.data),
                     _("Đã trả lại đề nghị hoàn thành."))
    return _back()


@bp.route("/explanations")
@requires("explanation.list")
def explanations():
    state = request.args.get("state", "open")
    if state not in ("open", "answered", "all"):
        state = "open"
    entries, next_after = explanation_requests.explanation_list(current_user, state=state, after_id=int_arg("after"))
    return render_template("oversight/explanations.html", entries=entries, next_after=next_after, state=state,
                           answer_form=ExplanationAnswerForm())


@bp.route("/explanations/<int:request_id>/answer", methods=["POST"])
@requires("explanation.answer")
def answer_explanation(request_id: int):
    explanation = explanation_requests.get_explanation_for(current_user, request_id)
    form = ExplanationAnswerForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng nhập nội dung giải trình (tối đa 2000 ký tự)."), "danger")
        return _back("oversight.explanations")
    _commit_or_flash(lambda: explanation_requests.answer_explanation(current_user, explanation, form.answer.data),
                     _("Đã gửi giải trình."))
    return _back("oversight.explanations")


# --------------------------------------------------------------------------------------------
# Scorecards
# --------------------------------------------------------------------------------------------


def _scorecard_params() -> tuple[Period, date, ScorecardFilterForm]:
    form = ScorecardFilterForm(request.args)
    if not form.validate():
        _form_errors(form)
    today = today_local()
    period = Period.quarter_containing(today)
    if form.period.data:
        try:
            period = parse_period(form.period.data)
        except ValidationFailed as error:
            flash(error.message, "warning")
    cutoff = _day(form.cutoff.data, agency_scorecards.default_cutoff(period, today))
    if cutoff < period.start:
        flash(_("Ngày chốt số liệu phải từ ngày đầu kỳ (%(d)s) trở đi.", d=period.start.strftime("%d/%m/%Y")), "warning")
        cutoff = agency_scorecards.default_cutoff(period, today)
    options = period_choices(today)
    if period.code not in {code for code, _label in options}:
        options.insert(0, (period.code, period.label))
    form.period.choices = choices(options)
    form.period.data, form.cutoff.data = period.code, cutoff
    return period, cutoff, form


@bp.route("/scorecards")
@requires("scorecard.view")
def scorecards():
    period, cutoff, form = _scorecard_params()
    orgs = agency_scorecards.scorecard_visible_orgs(current_user)
    cards = agency_scorecards.scorecards(period, cutoff, organisation_ids=orgs)
    trend = agency_scorecards.scorecard_trend(orgs, cutoff)
    return render_template("oversight/scorecards.html", form=form, period=period, cutoff=cutoff, cards=cards,
                           trend=trend, categories=agency_scorecards.CATEGORIES, category_label=agency_scorecards.category_label,
                           args={"period": period.code, "cutoff": cutoff.isoformat()})


@bp.route("/scorecards.xlsx")
@requires("scorecard.view")
def scorecards_export():
    period, cutoff, _form = _scorecard_params()
    orgs = agency_scorecards.scorecard_visible_orgs(current_user)
    data = exports.scorecards_xlsx(agency_scorecards.scorecards(period, cutoff, organisation_ids=orgs),
                                    agency_scorecards.scorecard_trend(orgs, cutoff))
    name = f"bang-diem-{period.code}-{cutoff.isoformat()}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/scorecards/<int:organisation_id>")
@requires("scorecard.view")
def scorecard_detail(organisation_id: int):
    organisation = agency_scorecards.visible_agency_or_404(current_user, organisation_id)
    period, cutoff, form = _scorecard_params()
    card = agency_scorecards.scorecard_for(organisation, period, cutoff)
    trend = agency_scorecards.scorecard_trend([organisation_id], cutoff)
    return render_template("oversight/scorecard_detail.html", form=form, organisation=organisation, card=card,
                           trend=trend, period=period, cutoff=cutoff, categories=agency_scorecards.CATEGORIES,
                           category_label=agency_scorecards.category_label)


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


@bp.route("/search")
@requires("search")
def search():
    form = SearchForm(request.args)
    if not form.validate():
        _form_errors(form)
    query = (form.q.data or "").strip()
    kind = form.kind.data or None
    results = text_search.search(current_user, query, kind=kind, after_id=int_arg("after") if kind else None,
                              limit=50 if kind else 10) if query else {}
    return render_template("oversight/search.html", form=form, query=query, kind=kind, results=results,
                           words=query_words(query))


# --------------------------------------------------------------------------------------------
# Calendar feed
# --------------------------------------------------------------------------------------------


@bp.route("/calendar")
@requires("calendar.manage")
def calendar():
    return render_template("oversight/calendar.html", form=CalendarForm(), new_url=None,
                           has_token=current_user.calendar_token_hash is not None)


@bp.route("/calendar/token", methods=["POST"])
@requires("calendar.manage")
def calendar_token():
    form = CalendarForm()
    if not form.validate_on_submit():
        abort(400)
    token = ics_feed.issue_calendar_token(current_user)
    db.session.commit()
    feed_url = url_for("oversight.calendar_feed", token=token, _external=True)
    return render_template("oversight/calendar.html", form=CalendarForm(), new_url=feed_url, has_token=True)


@bp.route("/calendar/revoke", methods=["POST"])
@requires("calendar.manage")
def calendar_revoke():
    form = CalendarForm()
    if not form.validate_on_submit():
        abort(400)
    revoked = ics_feed.revoke_calendar_token(current_user)
    db.session.commit()
    flash(_("Đã thu hồi địa chỉ lịch; địa chỉ cũ không còn dùng được.") if revoked
          else _("Chưa có địa chỉ lịch nào để thu hồi."), "success" if revoked else "info")
    return redirect(url_for("oversight.calendar"))


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """Public: the token in the URL is the credential (a calendar program cannot log in)."""
    user = ics_feed.user_for_calendar_token(token)
    if user is None:
        abort(404)
    body = ics_feed.calendar_ics(user)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="han-nhiem-vu.ics"',
                             "Cache-Control": "private, max-age=300"})


# --------------------------------------------------------------------------------------------
# Chart data (read by static/js/charts.js)
# --------------------------------------------------------------------------------------------


@bp.route("/charts/<name>.json")
@requires("dashboard.view")
def chart_data(name: str):
    today = today_local()
    try:
        period = parse_period(request.args["period"]) if request.args.get("period") else Period.quarter_containing(today)
    except ValidationFailed as error:
        return jsonify(error={"code": error.code, "message": error.message}), 422
    cutoff = agency_scorecards.default_cutoff(period, today)
    try:
        asked = date.fromisoformat(request.args["cutoff"]) if request.args.get("cutoff") else None
    except ValueError:
        asked = None
    if name == "completion":
        data = dashboard.completion_chart(current_user, period, max(period.start, min(asked or cutoff, period.end)))
    elif name == "trend":
        data = dashboard.trend_chart(current_user, asked or today, int_arg("agency"))
    elif name == "ageing" and has_permission(current_user, "overdue.review"):
        data = dashboard.ageing_chart(today)
    else:
        raise NotFound(_("Không có biểu đồ này."))
    response = jsonify(data)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response

