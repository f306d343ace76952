"""User bonuses (money on top of rewards) and message threads a requester composes to workers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import PUBLIC, Id, Incoming, NonBlank, Public, Time

Texts = dict[str, str]  # language code -> text


class UserBonusCreate(Incoming):
    user_id: Id
    amount: str | float | int = Field(description="a decimal amount, e.g. \"0.50\"")
    assignment_id: Id | None = None
    private_comment: str | None = Field(None, max_length=2000)
    public_title: Texts | None = None
    public_message: Texts | None = None
    without_message: bool = False


class UserBonusPublic(UserBonusCreate, Public):
    model_config = PUBLIC
    id: Id
    amount: str
    created: Time


class UserBonusBatchResult(Public):
    items: dict[str, UserBonusPublic]
    validation_errors: dict[str, object]


class MessageThreadCompose(Incoming):
    recipients_select_type: Literal["DIRECT", "ALL", "FILTER"]
    topic: Texts
    text: Texts
    answerable: bool = True
    recipients_ids: list[NonBlank] | None = Field(None, max_length=10000)
    recipients_filter: dict[str, object] | None = None


class MessageThreadReply(Incoming):
    text: Texts


class MessageThreadFolders(Incoming):
    folders: list[str] = Field(description="IMPORTANT and/or UNREAD", max_length=5)


class MessageThreadPublic(Public):
    id: Id
    topic: Texts
    answerable: bool
    created: Time
    folders: list[str]


class WebhookSubscriptionCreate(Incoming):
    webhook_url: NonBlank = Field(max_length=2000)
    event_type: NonBlank
    pool_id: Id
    secret_key: str | None = Field(None, max_length=200)


class WebhookSubscriptionPublic(WebhookSubscriptionCreate, Public):
    model_config = PUBLIC
    id: Id
    created: Time


class WebhookSubscriptionBatch(Public):
    items: dict[str, WebhookSubscriptionPublic]
    validation_errors: dict[str, object]
