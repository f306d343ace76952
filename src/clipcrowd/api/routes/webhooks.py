"""Webhook subscriptions: which pool events are POSTed to which URL (delivered by the maintenance loop)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from clipcrowd.api.deps import DbDep, Requester, SettingsDep, object_id
from clipcrowd.api.routing import Router
from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.models.base import Page
from clipcrowd.domain.models.bonuses import (
    WebhookSubscriptionBatch,
    WebhookSubscriptionCreate,
    WebhookSubscriptionPublic,
)
from clipcrowd.services import listing, webhooks

router = Router(prefix="/webhook-subscriptions", tags=["webhooks"])
MAX_ITEMS = 100


@router.put("", response_model=WebhookSubscriptionBatch)
def upsert_subscriptions(db: DbDep, _: Requester, body: list[WebhookSubscriptionCreate]) -> dict[str, Any]:
    if not body or len(body) > MAX_ITEMS:
        raise ValidationFailed.field("body", f"a list of 1 to {MAX_ITEMS} subscriptions")
    return webhooks.upsert(db, [item.body() for item in body])


@router.get("", response_model=Page[WebhookSubscriptionPublic])
def find_subscriptions(db: DbDep, settings: SettingsDep, _: Requester, request: Request) -> dict[str, Any]:
    return listing.webhooks_page(db, settings, request.query_params)


@router.get("/{subscription_id}", response_model=WebhookSubscriptionPublic)
def get_subscription(db: DbDep, _: Requester, subscription_id: str) -> dict[str, Any]:
    return webhooks.get(db, object_id(subscription_id, "webhook subscription"))


@router.delete("/{subscription_id}", status_code=204)
def delete_subscription(db: DbDep, _: Requester, subscription_id: str) -> Response:
    webhooks.remove(db, object_id(subscription_id, "webhook subscription"))
    return Response(status_code=204)
