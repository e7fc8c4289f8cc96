"""The exams app's messages, each written once."""

from __future__ import annotations

# --- taking the exam ----------------------------------------------------------------------
MSG_NOT_A_LEARNER = "当前账号不能参加课程考试。"
MSG_NOT_ENROLLED = "请先开始学习本课程，再参加考试。"
MSG_NO_EXAM = "本课程暂未开放考试。"
MSG_ATTEMPT_NOT_FOUND = "考试记录不存在。"
MSG_LESSONS_LEFT = "完成全部必修课时后才能参加考试（还有 {count} 个必修课时未完成）。"
MSG_NO_ATTEMPTS_LEFT = "您已用完本课程的 {limit} 次考试机会。"
MSG_ALREADY_SUBMITTED = "本次考试已经提交过，重复提交未被记录。以下是第一次提交的结果。"
MSG_EXPIRED = "考试时间已到，本次答卷未能在时限内提交，不计分（记为一次考试）。"
MSG_ALREADY_EXPIRED = "本次考试已超时结束，不能再提交。"
MSG_SUBMITTED = "答卷已提交，本次得分 {score} 分。"
MSG_STARTED_ELSEWHERE = "您已有一场正在进行的考试，已为您打开。"

# --- papers and questions (console) --------------------------------------------------------
ERR_NO_QUESTIONS = "试卷中还没有试题。"
ERR_TOTAL = "各题分值之和为 {points} 分，须为 {total} 分。"
ERR_TOO_FEW_OPTIONS = "至少需要 2 个选项。"
ERR_TOO_MANY_OPTIONS = "最多 8 个选项。"
ERR_SINGLE_NEEDS_ONE = "单选题须有且只有 1 个正确答案。"
ERR_MULTIPLE_NEEDS_TWO = "多选题须有至少 2 个正确答案。"
MSG_PUBLISH_REFUSED = "试卷不能发布：{problems}"
