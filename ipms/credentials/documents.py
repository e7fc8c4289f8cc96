"""What a proof or certificate says: the frozen snapshot, its hash, its wording and the
Open Badges 3.0 credential that is signed. Pure functions of the snapshot, so the paper,
the signed credential and the 证书查验 page can never disagree."""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.urls import reverse

from ipms.credentials.models import Kind

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
TITLES = {Kind.PROOF: "学习证明", Kind.CERTIFICATE: "内审员人才库合格证书"}
NO_VALUE = "—"


def canonical_json(data: dict) -> bytes:
    """The bytes the content hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_hash(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def verify_path(number: str) -> str:
    return reverse("credentials:verify_number", kwargs={"number": number})


def verify_url(number: str) -> str:
    """The 证书查验 address printed as the QR code and named in the credential."""
    return f"{settings.SITE_URL}{verify_path(number)}"


def issuer_id() -> str:
    return f"{settings.SITE_URL}/"


def mask_name(name: str) -> str:
    """证书查验 shows “张*” / “欧阳**”: the family name's first character only."""
    name = (name or "").strip()
    if not name:
        return NO_VALUE
    return name[0] + "*" * max(1, len(name) - 1)


def build_snapshot(
    *,
    kind: str,
    number: str,
    name: str,
    id_number_masked: str,
    enterprise: str,
    course: str,
    credits: int,
    exam_score: int,
    issued_on: datetime.date,
    proof_number: str = "",
) -> dict:
    snapshot = {
        "kind": str(kind),
        "number": number,
        "name": name,
        "id_number": id_number_masked,
        "enterprise": enterprise,
        "course": course,
        "credits": int(credits),
        "exam_score": int(exam_score),
        "issued_on": issued_on.isoformat(),
        "platform": settings.PLATFORM_NAME,
    }
    if kind == Kind.CERTIFICATE:
        snapshot["proof_number"] = proof_number
    return snapshot


def issued_on_text(snapshot: dict) -> str:
    day = datetime.date.fromisoformat(snapshot["issued_on"])
    return f"{day.year}年{day.month}月{day.day}日"


def body_text(snapshot: dict) -> str:
    """The paper's statement, in the platform's own words."""
    who = snapshot["name"]
    if snapshot.get("id_number"):
        who += f"（身份证号码：{snapshot['id_number']}）"
    unit = f"，所在单位{snapshot['enterprise']}" if snapshot.get("enterprise") else ""
    if snapshot["kind"] == Kind.CERTIFICATE:
        return (
            f"{who}{unit}，已取得《{snapshot['course']}》课程学习证明（编号 "
            f"{snapshot['proof_number']}），所在单位已通过认证机构的贯标认证审核，"
            "经审查合格，准予列入知识产权内审员人才库。特发此证。"
        )
    return (
        f"{who}{unit}，已在{snapshot['platform']}修完《{snapshot['course']}》课程，"
        f"取得 {snapshot['credits']} 学分，考试得分 {snapshot['exam_score']} 分，"
        "达到本课程学习证明的获取条件。特此证明。"
    )


def detail_rows(snapshot: dict) -> list[tuple[str, str]]:
    rows = [
        ("姓名", snapshot["name"]),
        ("身份证号码", snapshot.get("id_number") or NO_VALUE),
        ("所在单位", snapshot.get("enterprise") or "个人学员"),
        ("课程", snapshot["course"]),
        ("学分", f"{snapshot['credits']} 学分"),
        ("考试得分", f"{snapshot['exam_score']} 分"),
    ]
    if snapshot["kind"] == Kind.CERTIFICATE:
        rows.append(("学习证明编号", snapshot["proof_number"]))
    return rows


def credential_payload(
    *, snapshot: dict, digest: str, issued_at: datetime.datetime, course_id: int
) -> dict:
    """The VC-JWT claims: an Open Badges 3.0 OpenBadgeCredential carrying the snapshot."""
    number = snapshot["number"]
    url = verify_url(number)
    title = TITLES[snapshot["kind"]]
    timestamp = int(issued_at.timestamp())
    issuer = {"id": issuer_id(), "type": ["Profile"], "name": snapshot["platform"]}
    credential = {
        "@context": OB_CONTEXT,
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{title}：{snapshot['course']}",
        "issuer": issuer,
        "validFrom": issued_at.isoformat(timespec="seconds"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": snapshot["name"],
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": {
                "id": f"{issuer_id()}courses/{course_id}/#{snapshot['kind']}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": title,
                "description": body_text(snapshot),
                "criteria": {
                    "narrative": f"《{snapshot['course']}》：学分与考试得分达到获取条件。"
                },
            },
            "snapshot": snapshot,
            "contentHash": f"sha256:{digest}",
        },
    }
    return {
        "iss": issuer_id(),
        "jti": url,
        "nbf": timestamp,
        "iat": timestamp,
        "vc": credential,
    }


def payload_snapshot(payload: dict) -> tuple[dict | None, str]:
    """The snapshot and hash a verified payload carries (None when malformed)."""
    try:
        subject = payload["vc"]["credentialSubject"]
        return subject["snapshot"], str(subject["contentHash"]).removeprefix("sha256:")
    except (KeyError, TypeError):
        return None, ""
