"""The catalog queries behind tools.catalog.fetch_snapshot, one per kind for the whole schema.

fetch_snapshot sends them in two pipelines (one round trip each): first what the table filter
needs and what does not depend on it, then everything keyed by the chosen tables' OIDs. They
avoid per-row functions that open relations or miss the catalog caches on a fresh backend
(pg_get_indexdef, pg_get_constraintdef, pg_get_expr with a relation): see tools.catalog_text.
"""

from __future__ import annotations

SCHEMAS = (
    "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'"
)

# Index sizes are added in Python from INDEXES (same pages, no subquery per table), comments
# come with COMMENTS (obj_description() is an SQL function called once per row).
RELATIONS = """
SELECT c.oid, c.relname, c.relkind::text AS relkind, pg_get_userbyid(c.relowner) AS owner,
       c.reltuples::bigint AS reltuples, c.relrowsecurity, c.relforcerowsecurity,
       (c.relpages::bigint + coalesce(toast.relpages, 0))
         * current_setting('block_size')::bigint AS size,
       c.reloptions
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class toast ON toast.oid = c.reltoastrelid
WHERE n.nspname = %(schema)s AND c.relkind IN ('r','p','f','v','m')
  AND NOT c.relispartition
ORDER BY c.relname
"""

# A default is deparsed without its relation (relid 0): defaults cannot mention columns, and
# with a relation pg_get_expr opens it (a relcache build per table on a fresh backend).
# Generated columns do mention columns and keep it. The LATERAL ... OFFSET 0 keeps the planner
# on pg_attribute's index (a bloated pg_attribute makes a sequential scan slow). No ORDER BY:
# sorted in Python. Comments come separately (COMMENTS), most columns have none.
COLUMNS = """
SELECT a.attrelid AS oid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0) END AS default_expr,
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated,
       CASE WHEN t.typtype = 'e' OR (t.typcategory = 'A' AND t.typelem <> 0) THEN
           (SELECT en.nspname || '.' || et.typname
            FROM pg_type et JOIN pg_namespace en ON en.oid = et.typnamespace
            WHERE et.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
              AND et.typtype = 'e')
       END AS enum,
       t.typcategory = 'A' AS is_array, a.atttypid, a.attcollation
FROM unnest(%(oids)s::oid[]) AS r(oid)
CROSS JOIN LATERAL (SELECT * FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0
                    AND NOT a.attisdropped OFFSET 0) a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN (SELECT * FROM pg_attrdef WHERE adrelid = ANY(%(oids)s::oid[])) d
       ON d.adrelid = a.attrelid AND d.adnum = a.attnum
"""

# Comments on the chosen tables and views (attnum 0) and on their columns.
COMMENTS = """
SELECT objoid AS oid, objsubid AS attnum, description FROM pg_description
WHERE objoid = ANY(%(oids)s::oid[]) AND classoid = 'pg_class'::regclass
"""

# `definition` comes from the server only for shapes catalog_text does not rebuild; {plain}
# is filled in per server version (newer catalogs have more kinds of constraint). An FK's
# target among the chosen tables is named from their rows in Python; `ref_outside` is
# [schema, table, columns...] of a target elsewhere.
CONSTRAINTS = """
SELECT con.conrelid AS oid, con.conname, con.contype::text AS contype, con.conindid,
       con.conkey::int2[] AS conkey,
       con.confrelid, con.confkey::int2[] AS confkey,
       CASE WHEN con.contype = 'f' AND NOT con.confrelid = ANY(%(oids)s::oid[]) THEN
           (SELECT ARRAY[rn.nspname::text, rc.relname::text] || ARRAY(
                SELECT a.attname::text FROM pg_attribute a
                WHERE a.attrelid = con.confrelid AND a.attnum = ANY(con.confkey)
                ORDER BY array_position(con.confkey, a.attnum))
            FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE rc.oid = con.confrelid)
       END AS ref_outside,
       CASE WHEN con.contype = 'f' THEN pg_table_is_visible(con.confrelid) END AS ref_visible,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       con.condeferrable, con.condeferred, con.confmatchtype::text AS matchtype,
       con.convalidated, con.connoinherit,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS expression,
       CASE WHEN NOT ({plain}) THEN pg_get_constraintdef(con.oid) END AS definition
FROM pg_constraint con
WHERE con.conrelid = ANY(%(oids)s::oid[]) AND con.contype IN ('p','f','u','c','x')
ORDER BY con.conrelid, con.conname
"""
PLAIN_CONSTRAINT = (
    "con.contype IN ('p','u','f','c') AND (con.contype <> 'f' OR NOT EXISTS (SELECT 1"
    " FROM pg_class t JOIN pg_namespace tn ON tn.oid = t.relnamespace"
    " WHERE t.oid = con.confrelid AND tn.nspname ~ '^pg_temp_'))",
    (150000, "con.confdelsetcols IS NULL"),
    (180000, "con.conenforced AND NOT con.conperiod"),
)

# Default operator classes without per-column options (an options support function in their
# family): an index whose keys all use one is printed by catalog_text when Python confirms the
# opclass is the default for the column's type. The options procedure number differs per AM.
PLAIN_OPCLASSES = """
SELECT coalesce(array_agg(oc.oid), '{}') FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
WHERE oc.opcdefault AND am.amname IN ('btree', 'hash', 'gin', 'brin', 'gist', 'spgist')
  AND NOT EXISTS (SELECT 1 FROM pg_amproc p WHERE p.amprocfamily = oc.opcfamily
                  AND p.amprocnum = CASE am.amname WHEN 'btree' THEN 5 WHEN 'hash' THEN 3
                      WHEN 'gist' THEN 10 WHEN 'gin' THEN 7 WHEN 'spgist' THEN 6 ELSE 5 END)
"""

INDEXES = """
SELECT i.indrelid AS oid, i.indexrelid, ic.relname AS name, am.amname AS method, ic.relam,
       i.indisunique, i.indisprimary, i.indisvalid, i.indnkeyatts, i.indnatts,
       {nulls_not_distinct} AS nulls_not_distinct,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       CASE WHEN 0 = ANY (i.indkey::int2[]) THEN
           ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0
                             THEN pg_get_indexdef(i.indexrelid, k, true) END
                 FROM generate_series(1, i.indnatts) AS k)::text[]
       END AS expressions,
       i.indkey::int2[] AS attnums, i.indoption::int2[] AS options,
       i.indclass::oid[] AS opclasses, i.indcollation::oid[] AS collations,
       ic.relpages::bigint * current_setting('block_size')::bigint AS size,
       pg_stat_get_numscans(i.indexrelid) AS idx_scan,
       CASE WHEN i.indexprs IS NOT NULL OR ic.reloptions IS NOT NULL OR ic.relkind <> 'i'
                 OR NOT i.indclass::oid[] <@ ({plain_opclasses})
                 OR NOT i.indcollation::oid[] <@ '{{0,100}}'::oid[]
            THEN pg_get_indexdef(i.indexrelid) END AS definition
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = ANY(%(oids)s::oid[])
ORDER BY i.indrelid, ic.relname
"""

# The rare index whose plain shape Python could not confirm (an unusual collation or a default
# operator class for a binary-compatible type it cannot settle): the server renders it.
INDEX_DEFINITIONS = "SELECT i, pg_get_indexdef(i) FROM unnest(%(indexes)s::oid[]) AS i"

# Operator classes that are not their type's default: the only ones an index record names.
OPCLASSES = """
SELECT oc.oid, n.nspname || '.' || oc.opcname AS name
FROM pg_opclass oc JOIN pg_namespace n ON n.oid = oc.opcnamespace
WHERE NOT oc.opcdefault
"""

# What GetDefaultOpClass() consults: default opclasses, types (not composite ones nor arrays
# of them), binary-coercible implicit casts. {is_array} is IsTrueArrayType for the version.
DEFAULT_OPCLASSES = "SELECT oid, opcmethod, opcintype FROM pg_opclass WHERE opcdefault"
TYPES = """
SELECT t.oid, t.typname::text, t.typtype::text, t.typbasetype, t.typcategory::text,
       t.typispreferred, {is_array}
FROM pg_type t
WHERE t.typtype <> 'c'
  AND NOT (t.typelem <> 0 AND t.typelem IN (SELECT oid FROM pg_type WHERE typtype = 'c'))
"""
BINARY_CASTS = (
    "SELECT castsource, casttarget FROM pg_cast WHERE castmethod = 'b' AND castcontext = 'i'"
)
KEYWORDS = """
SELECT coalesce(array_agg(word::text), '{}'), current_setting('quote_all_identifiers')
FROM pg_get_keywords() WHERE catcode <> 'U'
"""

POLICIES = """
SELECT p.polrelid AS oid, p.polname, p.polcmd::text AS cmd, p.polpermissive,
       CASE WHEN p.polroles = '{0}' THEN ARRAY['PUBLIC']
            ELSE ARRAY(SELECT rolname FROM pg_roles WHERE oid = ANY(p.polroles) ORDER BY rolname)
       END::text[] AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_policy p
WHERE p.polrelid = ANY(%(oids)s::oid[])
ORDER BY p.polrelid, p.polname
"""

# What each view reads (pg_depend rows of its _RETURN rule: {schema, relation, column or ''})
# and its privileges beyond the owner's (aclexplode of relacl and of its columns' attacl:
# {grantee or '' for PUBLIC, privilege, grantable, column or ''}): drift re-creates a view it
# must drop to change a column's type.
VIEW_DEFINITIONS = """
SELECT c.oid, pg_get_viewdef(c.oid, true) AS definition,
       ARRAY(SELECT ARRAY[rn.nspname::text, rc.relname::text,
                                   coalesce(ra.attname::text, '')]
             FROM pg_rewrite w
             JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                             AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
             JOIN pg_class rc ON rc.oid = d.refobjid
             JOIN pg_namespace rn ON rn.oid = rc.relnamespace
             LEFT JOIN pg_attribute ra ON ra.attrelid = d.refobjid AND ra.attnum = d.refobjsubid
                                      AND d.refobjsubid > 0
             WHERE w.ev_class = c.oid) AS reads,
       ARRAY(SELECT ARRAY[CASE a.grantee WHEN 0 THEN '' ELSE pg_get_userbyid(a.grantee)::text
                          END, a.privilege_type, a.is_grantable::text, coalesce(a.attname, '')]
             FROM (SELECT r.*, NULL::text AS attname FROM aclexplode(c.relacl) r
                   UNION ALL
                   SELECT r.*, at.attname::text FROM pg_attribute at, aclexplode(at.attacl) r
                   WHERE at.attrelid = c.oid AND at.attnum > 0 AND at.attacl IS NOT NULL) a
             WHERE a.grantee <> c.relowner) AS grants
FROM pg_class c WHERE c.oid = ANY(%(oids)s::oid[])
"""

# Triggers on views (INSTEAD OF, statement-level): DROP VIEW drops them, drift re-creates them.
VIEW_TRIGGERS = """
SELECT t.tgrelid AS oid, pg_get_triggerdef(t.oid) AS definition FROM pg_trigger t
WHERE t.tgrelid = ANY(%(oids)s::oid[]) AND NOT t.tgisinternal
ORDER BY t.tgrelid, t.tgname
"""
ENUMS = """
SELECT t.typname, ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid
                        ORDER BY e.enumsortorder)::text[] AS labels
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %(schema)s AND t.typtype = 'e'
ORDER BY t.typname
"""

FUNCTIONS = """
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS arguments,
       CASE WHEN p.prokind IN ('f','w') THEN pg_get_function_result(p.oid) END AS returns,
       l.lanname, p.prosecdef, p.provolatile::text AS volatility,
       coalesce(p.proconfig, '{}')::text[] AS config, pg_get_userbyid(p.proowner) AS owner,
       CASE WHEN l.lanname IN ('sql','plpgsql') THEN left(p.prosrc, 4000) END AS source
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
WHERE n.nspname = %(schema)s AND p.prokind IN ('f','p') AND d.objid IS NULL
ORDER BY p.proname, arguments
"""

EXTENSIONS = """
SELECT e.extname, e.extversion, n.nspname
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
ORDER BY e.extname
"""

# Sent before the schema is known to exist: the privilege check takes its OID, not its name.
ROLE = """
SELECT r.rolname, r.rolsuper, r.rolbypassrls, current_database() AS database,
       current_schemas(false)::text[] AS search_path,
       coalesce((SELECT has_schema_privilege(r.rolname, n.oid, 'CREATE')
                 FROM pg_namespace n WHERE n.nspname = %(schema)s), false)
       OR EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = %(schema)s AND c.relkind IN ('r','p')
                    AND has_table_privilege(r.rolname, c.oid, 'INSERT,UPDATE,DELETE'))
         AS can_write,
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %(schema)s AND c.relkind IN ('r','p')
          AND pg_has_role(r.rolname, c.relowner, 'USAGE'))::int AS owns_tables
FROM pg_roles r WHERE r.rolname = current_user
"""


# JIT compilation costs 30-60 ms a query and pays off only on long scans of user data: catalog
# queries over thousands of tables pass jit_above_cost, so a batch turns it off and restores it.
JIT_OFF = (
    "SELECT set_config('pgarchitect.jit', current_setting('jit'), true) AS saved,"
    " set_config('jit', 'off', true) AS jit"
)
JIT_RESTORE = (
    "SELECT set_config('jit', coalesce(nullif(current_setting('pgarchitect.jit', true), ''),"
    " current_setting('jit')), true)"
)


def versioned(version: int) -> dict[str, str]:
    """The version-dependent fragments of the phase-two queries."""
    plain, *newer = PLAIN_CONSTRAINT
    plain += "".join(f" AND {cond}" for since, cond in newer if version >= since)
    return {
        "constraints": CONSTRAINTS.format(plain=plain),
        "indexes": INDEXES.format(
            nulls_not_distinct="i.indnullsnotdistinct" if version >= 150000 else "false",
            plain_opclasses=PLAIN_OPCLASSES.strip(),
        ),
        "types": TYPES.format(
            is_array="t.typelem <> 0 AND t.typsubscript = 'array_subscript_handler'::regproc"
            if version >= 140000
            else "t.typelem <> 0 AND t.typlen = -1"
        ),
    }
