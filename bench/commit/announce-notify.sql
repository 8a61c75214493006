select pg_notify('iris_changes', '{"kind":"tenant","tenantId":"t' || :t || '","id":"t' || :t || '","resourceVersion":"123"}');
