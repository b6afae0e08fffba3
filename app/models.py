"""Imports every feature's models so that Alembic and SQLAlchemy see the whole schema."""
from app.api.models import IdempotencyRecord  # noqa: F401
from app.audit.models import AuditEntry  # noqa: F401
from app.auth.models import RecoveryCode, Role, User  # noqa: F401
from app.company.models import Invitation  # noqa: F401
from app.credentials.models import ApiKey  # noqa: F401
from app.federation.models import FederatedIdentity, PartnerDomain, PartnerIdentityProvider  # noqa: F401
from app.integration.models import DeliveryState, DeliveryStep, OdooBinding, OutboxEvent, StepKind  # noqa: F401
from app.oauth.models import OAuthAccessToken  # noqa: F401
from app.invoices.models import FileKind, Invoice, InvoiceFile, InvoiceLine, InvoiceStatus  # noqa: F401
from app.partners.models import BankAccountStatus, Partner, PartnerBankAccount, PartnerStatus  # noqa: F401
from app.purchasing.models import PurchaseOrder, PurchaseOrderLine, SyncCursor  # noqa: F401
from app.mail.models import OutgoingEmail  # noqa: F401
from app.onboarding.models import OnboardingDocument, ReviewEvent  # noqa: F401
from app.usage.models import ApiUsageDaily  # noqa: F401
