"""Template values every page's layout (base.html) needs, whichever blueprint renders it."""

from survey_app.security import csp_nonce, is_staff_request, referrer_policy


def layout_context() -> dict:
    """The service name, the quick exit, the footer kind, the referrer policy and CSP nonce."""
    staff_page = is_staff_request()
    return {
        "service_name": "Have your say: victims' services",
        "show_quick_exit": not staff_page,
        # Staff and research pages get a plain footer: support and privacy are for respondents.
        "staff_page": staff_page,
        "referrer_policy": referrer_policy(),
        "csp_nonce": csp_nonce,
    }
