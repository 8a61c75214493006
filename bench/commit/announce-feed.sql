insert into change_feed.changes (tenant_id, change) values ('t' || :t, ('{"kind":"tenant","tenantId":"t' || :t || '","id":"t' || :t || '","resourceVersion":"123"}')::jsonb);
