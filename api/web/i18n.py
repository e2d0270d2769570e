"""The interface's two languages: Chinese (default) and English, chosen by `?lang=` or remembered in a cookie."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "stdwatch_lang"

# key -> (zh, en). Kept in one table so a missing translation is a KeyError in the tests, never a blank label.
_MESSAGES: dict[str, tuple[str, str]] = {
    "site": ("StdWatch 标准信息与TBT预警", "StdWatch standards and TBT early warning"),
    "skip": ("跳到主要内容", "Skip to main content"),
    "nav": ("主导航", "Main navigation"),
    "nav.search": ("检索", "Search"),
    "nav.warnings": ("TBT 预警", "TBT early warning"),
    "nav.subscriptions": ("订阅", "Subscriptions"),
    "nav.check": ("标准有效性核查", "Bulk status check"),
    "nav.docs": ("API 文档", "API docs"),
    "lang.switch": ("English", "中文"),
    "lang.label": ("切换语言", "Change language"),
    "signin": ("登录", "Sign in"),
    "signout": ("退出", "Sign out"),
    "signed_in_as": ("已登录", "Signed in as"),
    # search
    "search.title": ("检索标准与TBT通报", "Search standards and TBT notifications"),
    "search.label": ("检索词", "Search terms"),
    "search.placeholder": (
        "简体、繁体、英文或标准号，如 锂电池、GB/T 19001、G/TBT/N/TPKM/512",
        "Chinese, English or a code, e.g. lithium battery, GB/T 19001",
    ),
    "search.submit": ("检索", "Search"),
    "search.total": ("共 {total} 条结果", "{total} results"),
    "search.none": ("没有找到匹配的记录。", "Nothing matched."),
    "search.filters": ("筛选", "Filters"),
    "search.active": ("已选条件", "Active filters"),
    "search.remove": ("移除筛选", "Remove filter"),
    "search.clear": ("清除全部条件", "Clear all"),
    "search.sort": ("排序", "Sort"),
    "search.apply": ("应用", "Apply"),
    "search.results": ("检索结果", "Results"),
    "search.export": ("导出结果", "Export results"),
    "search.subscribe": ("订阅此检索", "Subscribe to this search"),
    "search.subscribe_signin": ("登录后可订阅此检索", "Sign in to subscribe to this search"),
    "sort.relevance": ("相关度", "Relevance"),
    "sort.newest": ("最新", "Newest"),
    "sort.oldest": ("最早", "Oldest"),
    "pager": ("分页", "Pages"),
    "pager.prev": ("上一页", "Previous page"),
    "pager.next": ("下一页", "Next page"),
    "pager.page": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "facet.kind": ("类型", "Kind"),
    "facet.region": ("地区", "Region"),
    "facet.member": ("通报成员", "Notifying member"),
    "facet.status": ("状态", "Status"),
    "facet.year": ("年份", "Year"),
    "facet.ics": ("ICS", "ICS"),
    "facet.hs": ("HS", "HS"),
    "facet.date": ("日期", "Date"),
    "facet.family": ("标准类别", "Family"),
    "facet.level": ("标准层级", "Level"),
    "facet.ccs": ("中国标准分类", "CCS"),
    "facet.degree": ("采用程度", "Degree of adoption"),
    "facet.adopted": ("采用的标准", "Adopted standard"),
    "facet.committee": ("归口单位", "Committee"),
    "facet.notification_type": ("通报类型", "Notification type"),
    "facet.deadline": ("评议截止日期", "Final date for comments"),
    "level.national": ("国家标准", "National"),
    "level.industry": ("行业标准", "Industry"),
    "level.local": ("地方标准", "Local"),
    "level.group": ("团体标准", "Group"),
    "level.enterprise": ("企业标准", "Enterprise"),
    "level.international": ("国际标准", "International"),
    "notification_type.regular": ("通报", "Regular"),
    "notification_type.addendum": ("补遗", "Addendum"),
    "notification_type.revision": ("修订", "Revision"),
    "notification_type.corrigendum": ("更正", "Corrigendum"),
    "notification_type.supplement": ("补充", "Supplement"),
    "kind.standard": ("标准", "Standard"),
    "kind.tbt_notification": ("TBT通报", "TBT notification"),
    "region.cn": ("中国大陆", "Mainland China"),
    "region.tw": ("台湾地区", "Taiwan region"),
    "region.sg": ("新加坡", "Singapore"),
    "region.intl": ("国际", "International"),
    "region.other": ("其他", "Other"),
    "status.current": ("现行", "Current"),
    "status.upcoming": ("即将实施", "Upcoming"),
    "status.withdrawn": ("废止", "Withdrawn"),
    "status.replaced": ("被代替", "Replaced"),
    "status.unknown": ("状态未知", "Status unknown"),
    "status.not in database": ("数据库中无此标准", "Not in database"),
    "status.invalid": ("标准号无法识别", "Not a standard code"),
    "status.rejected": ("此行无法读取", "Row rejected"),
    # document
    "doc.fields": ("全部字段", "All fields"),
    "doc.timeline": ("生命周期", "Lifecycle"),
    "doc.chain": ("通报及其补遗、修订、更正", "Notification with its addenda, revisions and corrigenda"),
    "doc.related": ("相关文件", "Related documents"),
    "doc.history": ("版本记录", "Version history"),
    "doc.source": ("来源页面", "Source page"),
    "doc.deadline": ("评议截止日期", "Final date for comments"),
    "doc.days_left": ("还剩 {days} 天", "{days} days left"),
    "doc.today": ("今天截止", "Closes today"),
    "doc.closed": ("已截止（{days} 天前）", "Closed {days} days ago"),
    "doc.deadline_from": ("依据 {code}", "as set by {code}"),
    "doc.studies": ("引用本文件的比对研究", "Comparison studies citing this document"),
    "doc.studies_none": ("暂无。", "None yet."),
    "doc.version": ("第 {version} 版，记录于 {at}", "Version {version}, recorded {at}"),
    "doc.changed": ("变更字段", "Changed fields"),
    "doc.json": ("JSON 数据", "JSON"),
    "doc.this": ("本文件", "this document"),
    "rel.replaces": ("代替", "Replaces"),
    "rel.replaced_by": ("被代替为", "Replaced by"),
    "rel.adopts": ("采用", "Adopts"),
    "rel.adopted_by": ("被采用", "Adopted by"),
    "rel.edition": ("其他版本", "Other edition"),
    "rel.base": ("原通报", "Base notification"),
    "rel.addendum": ("补遗", "Addendum"),
    "rel.revision": ("修订", "Revision"),
    "rel.corrigendum": ("更正", "Corrigendum"),
    "rel.same_notification": ("同一通报", "Same notification"),
    "ev.published": ("发布", "Published"),
    "ev.effective": ("实施", "Effective"),
    "ev.withdrawn": ("废止", "Withdrawn"),
    "ev.distribution_date": ("分发", "Distributed"),
    "ev.comment_deadline": ("评议截止", "Final date for comments"),
    "ev.proposed_adoption": ("拟批准", "Proposed adoption"),
    "ev.proposed_entry_into_force": ("拟生效", "Proposed entry into force"),
    # warnings
    "warn.title": ("TBT 预警：征求意见中的通报", "TBT early warning: notifications open for comments"),
    "warn.intro": (
        "按评议截止日期排序，最近截止的在前。",
        "Soonest final date for comments first.",
    ),
    "warn.profile": ("行业", "Industry"),
    "warn.member": ("通报成员", "Member"),
    "warn.any": ("全部", "All"),
    "warn.none": ("当前没有征求意见中的通报。", "No notification is open for comments now."),
    "warn.count": ("{count} 份通报征求意见中", "{count} notifications open for comments"),
    "warn.symbol": ("通报号", "Symbol"),
    "warn.doc_title": ("标题", "Title"),
    "warn.deadline": ("截止日期", "Final date"),
    "warn.left": ("剩余天数", "Days left"),
    # subscriptions
    "sub.title": ("我的订阅", "My subscriptions"),
    "sub.none": ("还没有订阅。", "No subscriptions yet."),
    "sub.new": ("新建订阅", "New subscription"),
    "sub.name": ("名称", "Name"),
    "sub.kind": ("类型", "Kind"),
    "sub.kind.search": ("保存的检索", "Saved search"),
    "sub.kind.profile": ("行业预警", "Industry profile"),
    "sub.kind.watchlist": ("标准关注清单", "Watch list"),
    "sub.query": (
        "检索条件（与检索页网址相同，如 q=锂电池&kind=tbt_notification）",
        "Search parameters (as in the search page's address, e.g. q=battery&kind=tbt_notification)",
    ),
    "sub.profile": ("行业", "Industry profile"),
    "sub.codes": ("标准号或通报号，每行一个", "Standard codes or TBT symbols, one a line"),
    "sub.emails": ("接收邮箱，每行一个", "Email addresses, one a line"),
    "sub.frequency": ("频率", "Frequency"),
    "sub.freq.immediate": ("即时", "Immediate"),
    "sub.freq.daily": ("每日", "Daily"),
    "sub.freq.weekly": ("每周", "Weekly"),
    "sub.language": ("邮件语言", "Email language"),
    "sub.active": ("启用", "Active"),
    "sub.inactive": ("已停用", "Paused"),
    "sub.save": ("保存", "Save"),
    "sub.create": ("创建订阅", "Create subscription"),
    "sub.delete": ("删除此订阅", "Delete this subscription"),
    "sub.preview": ("预览近 {days} 天的匹配", "Preview matches of the last {days} days"),
    "sub.preview_none": ("这段时间没有匹配。", "Nothing matched in that period."),
    "sub.recipients": ("接收人", "Recipients"),
    "sub.rstatus.pending": ("待确认", "awaiting confirmation"),
    "sub.rstatus.confirmed": ("已确认", "confirmed"),
    "sub.rstatus.unsubscribed": ("已退订", "unsubscribed"),
    "sub.created": (
        "订阅已创建；每个邮箱会先收到确认邮件。",
        "Subscription created; each address is sent a confirmation email first.",
    ),
    "sub.saved": ("已保存。", "Saved."),
    "sub.deleted": ("订阅已删除。", "Subscription deleted."),
    "sub.edit": ("修改订阅", "Edit subscription"),
    "sub.back": ("返回订阅列表", "Back to subscriptions"),
    "sub.reason": ("原因", "Reason"),
    "signin.title": ("使用 API 密钥登录", "Sign in with an API key"),
    "signin.key": ("API 密钥", "API key"),
    "signin.help": (
        "管理员可用 stdwatch user create 或 stdwatch user key 生成密钥。",
        "An administrator issues keys with `stdwatch user create` or `stdwatch user key`.",
    ),
    "signin.bad": (
        "密钥无效（未知、已吊销或用户已停用）。",
        "The key is not valid (unknown, revoked, or its user is disabled).",
    ),
    "signin.role": (
        "管理订阅需要 subscriber 或更高角色。",
        "Managing subscriptions needs the subscriber role or higher.",
    ),
    "link.confirm_title": ("确认邮箱", "Confirm your address"),
    "link.unsub_title": ("退订", "Unsubscribe"),
    "link.unsub_button": ("确认退订", "Unsubscribe"),
    "link.confirmed": ("{email} 将收到订阅“{name}”的提醒。", "{email} will receive the alerts of “{name}”."),
    "link.subscribed": (
        "点击下面的按钮，{email} 将不再收到订阅“{name}”的提醒。",
        "Press the button to stop the alerts of “{name}” to {email}.",
    ),
    "link.unsubscribed": ("{email} 已退订“{name}”。", "{email} is unsubscribed from “{name}”."),
    # check
    "check.title": ("标准有效性批量核查", "Bulk status check"),
    "check.intro": (
        "上传标准清单（.xlsx 或 CSV，第一行为表头，含“标准号”或 code 列），查看每条标准的状态及代替标准。",
        "Upload a list of standards (.xlsx or CSV, header row first, with a code column) "
        "to see each one's status and successor.",
    ),
    "check.file": ("标准清单文件", "List of standards"),
    "check.profile": ("列名方案", "Column map"),
    "check.submit": ("核查", "Check"),
    "check.download": ("下载报告", "Download the report"),
    "check.download_csv": ("下载 CSV 报告", "Download CSV report"),
    "check.download_xlsx": ("下载 Excel 报告", "Download Excel report"),
    "check.row": ("行号", "Row"),
    "check.listed": ("清单中的标准号", "Listed"),
    "check.found": ("数据库中的标准", "Found"),
    "check.status": ("状态", "Status"),
    "check.successor": ("代替标准", "Replaced by"),
    "check.note": ("说明", "Note"),
    "check.summary": ("共 {rows} 行", "{rows} rows"),
    # errors
    "error.title": ("出错了", "Something went wrong"),
    "error.not_found": ("没有这个页面或文件。", "No such page or document."),
    "error.csrf": (
        "表单已过期或不是从本站提交的，请刷新页面后重试。",
        "The form has expired or was not sent from this site; reload the page and try again.",
    ),
    "error.signin_needed": ("请先登录。", "Please sign in first."),
    "todo.studies": ("比对研究页面即将上线。", "Comparison study pages are coming."),
}


def translate(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang`, with `{name}` placeholders filled."""
    zh, en = _MESSAGES[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def maybe(lang: str, key: str, fallback: str) -> str:
    """A label for a value that may have none (an unknown relation or member code): the value itself then."""
    return translate(lang, key) if key in _MESSAGES else fallback


def language_of(request: Request) -> str:
    """`?lang=` wins, then the cookie, then Chinese."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    return remembered if remembered in LANGUAGES else DEFAULT


def all_keys() -> list[str]:
    return list(_MESSAGES)
