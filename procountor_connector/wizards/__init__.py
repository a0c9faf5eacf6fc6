from . import account_payment_register
from . import procountor_register_fetch
