"""The Chinese messages of learning proofs and certificates, each written once."""

NOT_A_LEARNER = "当前账号不能生成学习证明。"
COURSE_UNAVAILABLE = "该课程不存在或已下线，不能生成学习证明或证书。"
CONDITIONS_NOT_MET = "尚未满足学习证明获取条件：学分 >= {credits} 分 且 考试得分 >= {score} 分。"
NAME_MISSING = "请先在个人设置中填写姓名，学习证明上将印有您的姓名。"
PROOF_EXISTS = "您已生成本课程的学习证明，学习证明生成后将无法修改。"
CERTIFICATE_EXISTS = "您已生成本课程的内审员人才库合格证书。"
CERTIFICATE_NEEDS_PROOF = "请先生成本课程的学习证明。"
CERTIFICATE_PROOF_REVOKED = "本课程的学习证明已被撤销，不能生成内审员人才库合格证书。"
CERTIFICATE_INDIVIDUAL = (
    "内审员人才库合格证书颁发给企业学员：个人学员可以获得学习证明，但不能获得证书。"
)
CERTIFICATE_REVIEW_PENDING = "您所在企业的贯标认证审核通过后，才能生成内审员人才库合格证书。"
NOT_FOUND = "未查到该编号的学习证明或证书，请核对编号后重试。"
NUMBER_REQUIRED = "请输入证书编号。"
REVOKE_REASON_REQUIRED = "请填写撤销原因。"
