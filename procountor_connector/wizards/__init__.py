from . import procountor_register_fetch
