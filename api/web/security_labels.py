"""The words of the sign-in, account and security-log pages, in 简体中文 and English (merged into
api.web.i18n's tables). `{x}` is filled in by Python, `%(n)s` by the template."""
from __future__ import annotations

from services.security_log import ACTIONS

ZH: dict[str, str] = {
    "continue": "继续", "one_time_code": "动态验证码（或恢复码）",
    "totp_hint": "请输入身份验证器应用当前显示的6位动态验证码；手机不在身边时可输入一个未用过的恢复码。",
    "enrol_hint": "您的账号须使用双因素登录。请在身份验证器应用（如 FreeOTP、Google Authenticator、Microsoft "
                  "Authenticator）中手工添加下列密钥，然后输入其显示的第一个6位验证码。",
    "totp_secret": "密钥", "totp_uri": "配置链接（otpauth）", "first_code": "第一个验证码",
    "recovery_codes": "恢复码（只显示这一次）",
    "recovery_codes_hint": "请抄写或打印并妥善保管。手机丢失时，每个恢复码可代替动态验证码使用一次。",
    "password_expired_hint": "您的密码已超过规定的使用期限，请设置新密码后继续。",
    "new_password": "新密码", "new_password_again": "再次输入新密码", "current_password": "当前密码",
    "password_rules": "至少 %(n)s 个字符；不能是常见密码，不能包含用户名。",
    "passwords_differ": "两次输入的新密码不一致",
    "wrong_current_password": "当前密码不正确",
    "password_changed": "密码已修改；您的其他登录会话已退出。",
    "account": "账号安全", "change_password": "修改密码", "two_factor": "双因素登录（动态验证码）",
    "two_factor_is_on": "已开启：登录时须输入动态验证码。", "codes_left": "剩余可用恢复码",
    "two_factor_reset_hint": "更换手机或丢失身份验证器时，请联系系统管理员重置。",
    "two_factor_required": "您的角色须开启双因素登录；下次登录时将要求绑定。",
    "two_factor_optional": "您可以开启双因素登录，使账号更安全。",
    "two_factor_on": "双因素登录已开启。", "enrol": "开始绑定身份验证器", "turn_on": "开启",
    "locked.account": "登录失败次数过多，该账号已锁定至 {until}（北京时间）；如需提前解锁，请联系系统管理员。",
    "locked.client": "来自本地址的登录失败次数过多，已暂停至 {until}（北京时间）；如需提前解除，请联系系统管理员。",
    "weak.too-short": "密码至少需要 {n} 个字符", "weak.common": "这是最常见的密码之一，请换一个",
    "weak.username": "密码不能包含用户名", "weak.unchanged": "新密码不能与当前密码相同",
    "e.wrong-code": "验证码错误或已使用过，请输入身份验证器当前显示的验证码或一个未用过的恢复码",
    "e.sign-in-expired": "本次登录已超时或已完成，请重新输入用户名和密码",
    "e.two-factor-enrolled": "已开启双因素登录；如需更换，请联系系统管理员重置",
    "e.two-factor-not-enrolling": "请先开始绑定身份验证器",
    "e.weak-password": "密码不符合要求", "e.locked-out": "登录失败次数过多，已锁定",
    "e.password-expired": "密码已过期，请设置新密码", "e.second-factor-required": "须输入动态验证码",
    "forbidden_page": "此页面仅限%(role)s查看。",
    "security_log": "安全审计日志", "entries": "条", "export_csv": "导出 CSV", "verify_log": "校验哈希链",
    "log_verified": "哈希链完整：%(n)s 条记录均未被篡改", "log_broken": "哈希链校验发现问题",
    "newer": "较新", "older": "较早",
    "log.at": "时间（北京时间）", "log.actor": "操作人", "log.client": "来源地址", "log.action": "事件",
    "log.subject": "对象", "log.result": "结果", "log.details": "详情",
    "res.ok": "成功", "res.failed": "失败", "res.refused": "拒绝", "res.locked": "已锁定", "res.pending": "待第二步",
    "act.signin": "登录", "act.signout": "退出登录", "act.lockout": "账号锁定", "act.unlock": "账号解锁",
    "act.client_lockout": "地址锁定", "act.client_unlock": "地址解锁", "act.user_add": "新增用户",
    "act.grant": "授予角色", "act.revoke_grant": "收回角色", "act.token_create": "创建令牌",
    "act.token_revoke": "吊销令牌", "act.password_set": "管理员设置密码", "act.password_change": "本人修改密码",
    "act.two_factor_enrol": "签发双因素密钥", "act.two_factor_confirm": "开启双因素登录",
    "act.two_factor_reset": "重置双因素登录", "act.recovery_code_used": "使用恢复码", "act.export": "导出/下载",
}

EN: dict[str, str] = {
    "continue": "Continue", "one_time_code": "One-time code (or a recovery code)",
    "totp_hint": "Enter the 6-digit code your authenticator app shows now; without your phone, an unused "
                 "recovery code.",
    "enrol_hint": "Your account signs in with a second factor. Add this secret to an authenticator app "
                  "(FreeOTP, Google Authenticator, Microsoft Authenticator…) by hand, then enter the first "
                  "6-digit code it shows.",
    "totp_secret": "Secret", "totp_uri": "Set-up link (otpauth)", "first_code": "First code",
    "recovery_codes": "Recovery codes (shown this once)",
    "recovery_codes_hint": "Write them down or print them and keep them safe. Each replaces a one-time code once "
                           "if your phone is lost.",
    "password_expired_hint": "Your password is older than the policy allows: choose a new one to go on.",
    "new_password": "New password", "new_password_again": "New password again", "current_password": "Present password",
    "password_rules": "At least %(n)s characters; not a common password; not containing the username.",
    "passwords_differ": "The two new passwords differ",
    "wrong_current_password": "The present password is wrong",
    "password_changed": "Password changed; your other sessions were signed out.",
    "account": "Account security", "change_password": "Change password", "two_factor": "Two-factor sign-in",
    "two_factor_is_on": "On: signing in asks for a one-time code.", "codes_left": "Recovery codes left",
    "two_factor_reset_hint": "For a new phone or a lost authenticator, ask an administrator for a reset.",
    "two_factor_required": "Your role signs in with a second factor: the next sign-in asks you to enrol.",
    "two_factor_optional": "You may turn on two-factor sign-in for a safer account.",
    "two_factor_on": "Two-factor sign-in is on.", "enrol": "Enrol an authenticator", "turn_on": "Turn on",
    "locked.account": "Too many failed sign-ins: this account is locked until {until} (Beijing time); an "
                      "administrator can unlock it sooner.",
    "locked.client": "Too many failed sign-ins from this address: paused until {until} (Beijing time); an "
                     "administrator can lift it sooner.",
    "weak.too-short": "A password has at least {n} characters", "weak.common": "This is one of the most common "
    "passwords: choose another", "weak.username": "A password may not contain the username",
    "weak.unchanged": "The new password must differ from the present one",
    "e.wrong-code": "Wrong or already used code: enter the code your authenticator shows now, or an unused "
                    "recovery code",
    "e.sign-in-expired": "This sign-in expired or was completed: sign in again with your password",
    "e.two-factor-enrolled": "Two-factor sign-in is on already; an administrator resets it for a new one",
    "e.two-factor-not-enrolling": "Start the enrolment first",
    "e.weak-password": "The password does not meet the policy", "e.locked-out": "Locked after failed sign-ins",
    "e.password-expired": "The password expired: choose a new one",
    "e.second-factor-required": "A one-time code is needed",
    "forbidden_page": "Only the %(role)s may see this page.",
    "security_log": "Security log", "entries": "entries", "export_csv": "Export CSV", "verify_log": "Verify the chain",
    "log_verified": "The hash chain holds: none of the %(n)s entries was altered",
    "log_broken": "The hash chain is broken", "newer": "Newer", "older": "Older",
    "log.at": "When (Beijing time)", "log.actor": "Who", "log.client": "From", "log.action": "What",
    "log.subject": "About", "log.result": "Result", "log.details": "Details",
    "res.ok": "ok", "res.failed": "failed", "res.refused": "refused", "res.locked": "locked",
    "res.pending": "second step asked",
    **{f"act.{name}": name.replace("_", " ") for name in ACTIONS},
}
