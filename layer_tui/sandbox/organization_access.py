"""Who may list an organization's accounts, as AWS decides it (moto lets anyone).

moto answers ListAccounts with an empty list for an account in no organization, and with the
whole organization for any member. AWS answers AWSOrganizationsNotInUseException ("Your
account is not a member of an organization.") to the first, and AccessDeniedException to a
member that is neither the management account nor a delegated administrator: ``--org`` must
be run from one of those, and says so.
"""

from __future__ import annotations

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor, error_reply

#: The calls that list or describe the organization's accounts.
_LISTING = frozenset({"ListAccounts", "ListAccountsForParent", "DescribeAccount"})


class OrganizationAccess(Interceptor):
    """Refuses the account listings the way AWS does (see the module's docstring)."""

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "organizations" or call.operation not in _LISTING:
            return None
        from moto.organizations.models import organizations_backends

        caller = call.account_id
        entry = organizations_backends.master_accounts.get(caller)
        own = organizations_backends[caller]["aws"] if caller in organizations_backends else None
        if entry is None and (own is None or own.org is None):
            return error_reply(call, 400, "AWSOrganizationsNotInUseException",
                               "Your account is not a member of an organization.")
        management = entry[0] if entry is not None else caller
        if management == caller:
            return None
        backend = organizations_backends[management]["aws"]
        if any(admin.account.id == caller for admin in backend.admins):
            return None
        return error_reply(call, 400, "AccessDeniedException",
                           "You don't have permissions to access this resource.")
