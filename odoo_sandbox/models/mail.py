"""Attachments, chatter messages and the ``message_post`` method of mail.thread."""
from __future__ import annotations

import base64
import hashlib
import html
import mimetypes
from typing import Any

from .. import fields as F
from ..errors import missing_record
from ..orm import BaseModel, public

MESSAGE_TYPES_17 = (
    ("email", "Incoming Email"), ("comment", "Comment"), ("email_outgoing", "Outgoing Email"),
    ("notification", "System notification"), ("auto_comment", "Automated Targeted Notification"),
    ("user_notification", "User Specific Notification"),
)
MESSAGE_TYPES_19 = MESSAGE_TYPES_17 + (("out_of_office", "Out of office"),)
SUBTYPE_XMLIDS = {"mail.mt_comment": 1, "mail.mt_note": 2}
COMPOSER_MODEL = "mail.compose.message"
MAGIC_NUMBERS = ((b"%PDF-", "application/pdf"), (b"\x89PNG", "image/png"),
                 (b"\xff\xd8\xff", "image/jpeg"), (b"PK\x03\x04", "application/zip"))


def decode_datas(datas: Any) -> bytes:
    """Odoo decodes ``datas`` with ``base64.b64decode``: bad padding raises binascii.Error."""
    return base64.b64decode(datas or b"")


class IrAttachment(BaseModel):
    _name = "ir.attachment"
    _description = "Attachment"
    _order = "id desc"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "name": F.char("Name", required=True),
            "description": F.text("Description"),
            "res_name": F.char("Resource Name", compute="_compute_res_name", stored=False, readonly=True),
            "res_model": F.char("Resource Model"),
            "res_field": F.char("Resource Field"),
            "res_id": F.many2one_reference("Resource ID", "res_model"),
            "company_id": F.many2one("res.company", "Company"),
            "type": F.selection("Type", (("url", "URL"), ("binary", "File")), required=True),
            "url": F.char("Url"),
            "public": F.boolean("Is public document"),
            "datas": F.binary("File Content (base64)"),
            "mimetype": F.char("Mime Type", readonly=True),
            "file_size": F.integer("File Size", compute="_compute_file_size", readonly=True),
            "checksum": F.char("Checksum/SHA1", compute="_compute_checksum", readonly=True),
        }

    def _default_values(self) -> dict[str, Any]:
        return {"type": "binary", "company_id": self.env.company_id}

    def _complete_values(self, values: dict[str, Any], vals: dict[str, Any]) -> None:
        raw = decode_datas(values.get("datas"))
        if not values.get("mimetype"):
            values["mimetype"] = _guess_mimetype(values.get("name"), raw)
        self._check_linked_record(values)

    def _check_linked_record(self, values: dict[str, Any]) -> None:
        """Attaching to a record needs access to it; unknown models are ignored as in Odoo."""
        linked = self._linked(values)
        if linked is not None:
            model, record = linked
            model._check_access([record["id"]])

    def _linked(self, record: dict[str, Any]) -> tuple[BaseModel, dict[str, Any]] | None:
        res_model, res_id = record.get("res_model"), record.get("res_id")
        if not res_model or not res_id or res_model not in self.env:
            return None
        model = self.env[res_model]
        linked = model._record(res_id)
        return (model, linked) if linked is not None else None

    def _visible(self, record: dict[str, Any]) -> bool:
        linked = self._linked(record)
        return linked is None or linked[0]._visible(linked[1])

    def _check_write(self, ids: list[int], vals: dict[str, Any]) -> None:
        if "res_model" in vals or "res_id" in vals:
            for rid in ids:
                self._check_linked_record({**self._record(rid), **vals})

    def _compute_file_size(self, record: dict[str, Any]) -> int:
        return len(decode_datas(record.get("datas")))

    def _compute_checksum(self, record: dict[str, Any]) -> Any:
        if not record.get("datas"):
            return False
        return hashlib.sha1(decode_datas(record["datas"])).hexdigest()

    def _compute_res_name(self, record: dict[str, Any]) -> Any:
        linked = self._linked(record)
        return linked[0]._display_name(linked[1]) if linked else False


def _guess_mimetype(name: Any, raw: bytes) -> str:
    for magic, mimetype in MAGIC_NUMBERS:
        if raw.startswith(magic):
            return mimetype
    guessed = mimetypes.guess_type(str(name or ""))[0]
    if guessed:
        return guessed
    return "text/plain" if raw and _looks_like_text(raw) else "application/octet-stream"


def _looks_like_text(raw: bytes) -> bool:
    try:
        raw[:1024].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class MailMessage(BaseModel):
    _name = "mail.message"
    _description = "Message"
    _order = "id desc"
    _rec_name = "subject"

    @classmethod
    def _declare_fields(cls, flavour: str) -> dict[str, F.Field]:
        return {
            "subject": F.char("Subject"),
            "body": F.html("Contents"),
            "model": F.char("Related Document Model"),
            "res_id": F.many2one_reference("Related Document ID", "model"),
            "record_name": F.char("Message Record Name", compute="_compute_record_name",
                                  stored=False, readonly=True),
            "message_type": F.selection("Type", MESSAGE_TYPES_19 if flavour == "19" else MESSAGE_TYPES_17,
                                        required=True),
            "subtype_id": F.many2one("mail.message.subtype", "Subtype"),
            "author_id": F.many2one("res.partner", "Author"),
            "email_from": F.char("From"),
            "partner_ids": F.many2many("res.partner", "Recipients"),
            "attachment_ids": F.many2many("ir.attachment", "Attachments"),
            "parent_id": F.many2one("mail.message", "Parent Message"),
            "date": F.datetime("Date"),
        }

    def _default_values(self) -> dict[str, Any]:
        return {"message_type": "comment", "date": self.env.now()}

    def _compute_record_name(self, record: dict[str, Any]) -> Any:
        if record.get("model") in self.env and record.get("res_id"):
            model = self.env[record["model"]]
            return model._display_name(model._record(record["res_id"])) or False
        return False

    def _display_name(self, record: dict[str, Any] | None) -> str:
        if record is None:
            return ""
        return str(record.get("subject") or self._compute_record_name(record) or "")


class MailThread:
    """Mixin giving a model Odoo's chatter method ``message_post``."""

    _name: str
    env: Any

    @public()
    def message_post(self, ids: Any, *, body: Any = "", subject: Any = None,
                     message_type: str = "notification", email_from: Any = None,
                     author_id: Any = None, parent_id: Any = False, subtype_xmlid: Any = None,
                     subtype_id: Any = False, partner_ids: Any = None, attachments: Any = None,
                     attachment_ids: Any = None, body_is_html: bool = False,
                     outgoing_email_to: Any = False, incoming_email_to: Any = False,
                     incoming_email_cc: Any = False, **kwargs: Any) -> Any:
        """Post a chatter message; 19 returns ``[id]`` (any recordset becomes ids), 17 an int."""
        record_id = self._single_record(ids)
        if self.env.flavour == "17":
            kwargs.update({k: v for k, v in (("outgoing_email_to", outgoing_email_to),
                                             ("incoming_email_to", incoming_email_to),
                                             ("incoming_email_cc", incoming_email_cc)) if v})
        self._check_message_kwargs(kwargs)
        values = {
            **kwargs,
            "body": body if body_is_html else html.escape(str(body or "")),
            "subject": subject or False,
            "message_type": message_type,
            "email_from": email_from or False,
            "author_id": author_id or self.env.user()["partner_id"],
            "parent_id": parent_id or False,
            "subtype_id": self._subtype(subtype_xmlid, subtype_id),
            "model": self._name,
            "res_id": record_id,
            "partner_ids": [(6, 0, list(partner_ids or []))],
            "attachment_ids": [(6, 0, self._message_attachments(record_id, attachments, attachment_ids))],
        }
        message_id = self.env["mail.message"]._create_one(values)
        return [message_id] if self.env.flavour == "19" else message_id

    def _single_record(self, ids: Any) -> int:
        ids = self._existing_ids(ids)  # type: ignore[attr-defined]
        if len(ids) != 1:
            raise ValueError(f"Expected singleton: {self._name}{tuple(ids)!r}")
        self._check_access(ids)  # type: ignore[attr-defined]
        return ids[0]

    def _check_message_kwargs(self, kwargs: dict[str, Any]) -> None:
        forbidden = {"model", "res_id", "subtype"} & set(kwargs)
        if forbidden:
            raise ValueError(
                f"message_post doesn't support model and res_id parameters anymore. "
                f"Received {', '.join(sorted(forbidden))}."
            )
        message_fields = self.env["mail.message"]._fields
        for key in kwargs:
            if key not in message_fields:
                raise ValueError(f"Invalid field {key!r} on model 'mail.message'")

    def _subtype(self, subtype_xmlid: Any, subtype_id: Any) -> int:
        if subtype_id:
            subtypes = self.env["mail.message.subtype"]
            if subtypes._record(subtype_id) is None:
                raise missing_record("mail.message.subtype", [subtype_id], self.env.uid)
            return subtype_id
        xmlid = subtype_xmlid or "mail.mt_note"
        if xmlid not in SUBTYPE_XMLIDS:
            raise ValueError(f"External ID not found in the system: {xmlid}")
        return SUBTYPE_XMLIDS[xmlid]

    def _message_attachments(self, record_id: int, attachments: Any, attachment_ids: Any) -> list[int]:
        """Link existing attachments (re-homing composer uploads) and create inline ones."""
        model = self.env["ir.attachment"]
        ids = model._existing_ids(list(attachment_ids or []))
        for rid in ids:
            attachment = model._record(rid)
            if attachment.get("res_model") == COMPOSER_MODEL and attachment.get("create_uid") == self.env.uid:
                attachment.update(res_model=self._name, res_id=record_id)
        for name, content in attachments or []:
            raw = content.encode() if isinstance(content, str) else bytes(content)
            ids.append(model._create_one({
                "name": name, "datas": base64.b64encode(raw).decode(),
                "res_model": self._name, "res_id": record_id,
            }))
        return ids
