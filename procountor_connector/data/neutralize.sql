-- A neutralized copy of a database (odoo-bin neutralize, or a restored backup marked as a copy) must never
-- reach the production Procountor: every connection moves to Procountor's test environment and loses its
-- secrets and cached token, so someone has to enter test credentials on purpose.
UPDATE procountor_connection
   SET environment = 'test',
       client_secret = NULL,
       api_key = NULL,
       procountor_access_token = NULL,
       procountor_token_expires_at = NULL,
       state = 'not_connected';
