"""The enterprise app's messages, each written once (services, imports, forms and views
import them; tests may too)."""

PROFILE_INCOMPLETE = "务必填写完整正确的企业信息，否则无法添加员工以及证书下载"
NOT_ADMIN = "只有本企业的管理员可以进行此操作。"
# 添加成员 and 批量导入 say the same for a phone that is another enterprise's member and for
# a disabled account: an admin may not learn either about people outside the enterprise.
PHONE_NOT_ADDABLE = "无法添加该手机号。请核对号码；如号码无误，请该成员联系平台客服。"
PHONE_ALREADY_MEMBER = "该手机号已是本企业的成员。"
RESEND_TOO_SOON = "邀请短信刚刚发出，请1分钟后再重新发送。"
TOO_MANY_INVITATIONS = "该手机号24小时内收到的邀请短信过多，请明天再试。"
ENTERPRISE_DAILY_LIMIT = "本企业今日发送的邀请短信已达上限（{limit}条），请明天再邀请其余成员。"
SKIP_MEMBER = "已是本企业成员"
SKIP_PENDING = "已是本企业成员（待验证，无需重复邀请）"
POSITION_INVALID = "请选择职位。"
DUPLICATE_IN_FILE = "与前面的行手机号重复"
