-- pgarchitect demo: a small multi-tenant task tracker with a few planted defects.
CREATE TYPE task_status AS ENUM ('todo', 'doing', 'done');

CREATE TABLE organizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(200) NOT NULL,
    slug varchar(64) NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE organizations IS 'A tenant: every row below belongs to one organization.';

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email varchar(255) NOT NULL UNIQUE,
    display_name text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name varchar(200) NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_org_id_idx ON projects (org_id, created_at DESC);

CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid REFERENCES organizations (id),
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    assignee_id uuid REFERENCES users (id) ON DELETE SET NULL,
    title text NOT NULL,
    status task_status NOT NULL DEFAULT 'todo',
    labels text[] NOT NULL DEFAULT '{}',
    details jsonb,
    legacy_flag boolean,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_status_idx ON tasks (status);
CREATE INDEX tasks_status_idx2 ON tasks (status);

CREATE TABLE comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    author_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tags (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name varchar(50) NOT NULL,
    UNIQUE (name)
);

CREATE TABLE task_tags (
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, tag_id)
);

-- Row-level security: projects are right; tasks are not forced and read the setting per row;
-- tags let everyone see everything.
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON projects
    USING (org_id = (SELECT current_setting('app.org_id', true)::uuid))
    WITH CHECK (org_id = (SELECT current_setting('app.org_id', true)::uuid));

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tasks_tenant ON tasks
    USING (org_id = current_setting('app.org_id')::uuid);

ALTER TABLE tags ENABLE ROW LEVEL SECURITY;
CREATE POLICY tags_read ON tags FOR SELECT USING (true);

CREATE VIEW open_tasks AS
    SELECT t.id, t.org_id, t.title, p.name AS project
    FROM tasks t JOIN projects p ON p.id = t.project_id
    WHERE t.status <> 'done';

INSERT INTO organizations (id, name, slug) VALUES
    ('00000000-0000-0000-0000-00000000000a', 'Acme', 'acme'),
    ('00000000-0000-0000-0000-00000000000b', 'Globex', 'globex');
INSERT INTO users (org_id, email, display_name)
SELECT o.id, o.slug || '-' || g || '@example.com', 'User ' || g
FROM organizations o, generate_series(1, 20) g;
INSERT INTO projects (org_id, name)
SELECT o.id, o.name || ' project ' || g FROM organizations o, generate_series(1, 10) g;
INSERT INTO tasks (org_id, project_id, title, status)
SELECT p.org_id, p.id, 'Task ' || g, (ARRAY['todo','doing','done'])[1 + g % 3]::task_status
FROM projects p, generate_series(1, 200) g;
INSERT INTO comments (task_id, author_id, body)
SELECT t.id, (SELECT u.id FROM users u WHERE u.org_id = t.org_id LIMIT 1), 'Looks good'
FROM tasks t WHERE t.id % 4 = 0;
INSERT INTO tags (org_id, name)
SELECT o.id, o.slug || '-' || label FROM organizations o, unnest(ARRAY['bug', 'idea']) label;
ANALYZE organizations, users, projects, tasks, comments, tags, task_tags;
