"""What assistant SQL may name: the allow-list of functions, TABLESAMPLE methods, and the
relations that hold secrets (refused wherever they appear in a query).

Names, not signatures: pg_catalog has no dangerous overload of any allowed function.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of text, as a set."""
    return frozenset(text.split())


# Ordinary functions without side effects, file, network or session access. Names, not
# signatures: pg_catalog has no dangerous overload of any of them.
AGGREGATE_FUNCTIONS = _words(
    """
    count sum avg min max array_agg string_agg json_agg jsonb_agg json_agg_strict
    jsonb_agg_strict json_object_agg jsonb_object_agg json_object_agg_strict
    jsonb_object_agg_strict json_object_agg_unique jsonb_object_agg_unique bool_and bool_or every
    bit_and bit_or bit_xor stddev stddev_pop stddev_samp variance var_pop var_samp
    percentile_cont percentile_disc mode corr covar_pop covar_samp regr_avgx regr_avgy
    regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy range_agg
    range_intersect_agg xmlagg any_value
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value
    nth_value
    """
)
STRING_FUNCTIONS = _words(
    """
    lower upper initcap length char_length character_length octet_length bit_length substr
    substring trim btrim ltrim rtrim lpad rpad concat concat_ws replace split_part strpos
    position left right reverse repeat format md5 sha224 sha256 sha384 sha512 encode decode
    regexp_replace regexp_match regexp_matches regexp_split_to_array regexp_split_to_table
    regexp_like regexp_count regexp_instr regexp_substr starts_with translate quote_ident
    quote_literal quote_nullable to_hex to_bin to_oct ascii chr overlay normalize is_normalized
    casefold string_to_array string_to_table to_char to_number similar_to_escape like_escape
    pg_collation_for unistr text
    """
)
DATETIME_FUNCTIONS = _words(
    """
    now current_timestamp statement_timestamp transaction_timestamp clock_timestamp timeofday
    date_trunc date_part extract age make_date make_time make_timestamp make_timestamptz
    make_interval date_bin justify_days justify_hours justify_interval isfinite timezone
    to_timestamp to_date overlaps date_add date_subtract
    """
)
MATH_FUNCTIONS = _words(
    """
    abs ceil ceiling floor round trunc sign sqrt cbrt power pow exp ln log log10 mod div pi
    degrees radians sin cos tan asin acos atan atan2 sind cosd tand asind acosd atand atan2d
    sinh cosh tanh asinh acosh atanh random random_normal width_bucket scale min_scale
    trim_scale gcd lcm factorial greatest least
    """
)
JSON_FUNCTIONS = _words(
    """
    to_json to_jsonb array_to_json row_to_json json_build_array jsonb_build_array
    json_build_object jsonb_build_object json_object jsonb_object json_array_length
    jsonb_array_length json_each jsonb_each json_each_text jsonb_each_text json_extract_path
    jsonb_extract_path json_extract_path_text jsonb_extract_path_text json_object_keys
    jsonb_object_keys json_array_elements jsonb_array_elements json_array_elements_text
    jsonb_array_elements_text json_typeof jsonb_typeof json_strip_nulls jsonb_strip_nulls
    json_populate_record jsonb_populate_record json_populate_recordset jsonb_populate_recordset
    json_to_record jsonb_to_record json_to_recordset jsonb_to_recordset jsonb_set
    jsonb_set_lax jsonb_insert jsonb_pretty jsonb_path_exists jsonb_path_match jsonb_path_query
    jsonb_path_query_array jsonb_path_query_first jsonb_path_exists_tz jsonb_path_match_tz
    jsonb_path_query_tz jsonb_path_query_array_tz jsonb_path_query_first_tz jsonb_concat
    jsonb_contains jsonb_exists jsonb_exists_any jsonb_exists_all
    """
)
ARRAY_FUNCTIONS = _words(
    """
    array_length array_upper array_lower array_dims array_ndims cardinality unnest array_append
    array_prepend array_cat array_remove array_replace array_position array_positions
    array_to_string array_fill trim_array array_reverse array_sample array_shuffle array_sort
    generate_series generate_subscripts
    """
)
OTHER_FUNCTIONS = _words(
    """
    coalesce nullif num_nulls num_nonnulls gen_random_uuid uuidv4 uuidv7 uuid_extract_timestamp
    uuid_extract_version pg_typeof current_setting current_database current_schema
    current_schemas to_tsvector to_tsquery plainto_tsquery phraseto_tsquery
    websearch_to_tsquery ts_rank ts_rank_cd ts_headline setweight strip tsvector_to_array
    array_to_tsvector numnode querytree ts_delete ts_filter isempty lower_inc upper_inc
    lower_inf upper_inf range_merge multirange int4range int8range numrange tsrange tstzrange
    daterange int4multirange int8multirange nummultirange tsmultirange tstzmultirange
    datemultirange host hostmask masklen netmask network broadcast family inet_merge
    inet_same_family abbrev set_masklen bool int2 int4 int8 float4 float8 numeric varchar
    bpchar date time timestamp timestamptz interval uuid json jsonb
    """
)
SAFE_FUNCTIONS = (
    AGGREGATE_FUNCTIONS
    | STRING_FUNCTIONS
    | DATETIME_FUNCTIONS
    | MATH_FUNCTIONS
    | JSON_FUNCTIONS
    | ARRAY_FUNCTIONS
    | OTHER_FUNCTIONS
)
# Built-in TABLESAMPLE methods; extension ones (tsm_system_time waits) are refused.
SAFE_SAMPLE_METHODS = frozenset({"system", "bernoulli"})

# Relations whose rows hold secrets or other sessions' text (issue #13): password hashes,
# user-mapping and subscription connection strings, authentication and server configuration,
# per-role and per-database settings (ALTER ROLE … SET app.jwt_secret), other sessions' queries,
# column statistics (sampled values) and large objects. Refused by name in any schema.
SECRET_RELATIONS = _words(
    """
    pg_authid pg_shadow pg_user pg_roles pg_user_mapping pg_user_mappings user_mappings
    user_mapping_options pg_hba_file_rules pg_ident_file_mappings pg_file_settings pg_settings
    pg_db_role_setting pg_subscription pg_stat_subscription pg_stat_activity pg_stat_statements
    pg_stat_statements_info pg_statistic pg_statistic_ext_data pg_largeobject pg_config
    pg_stat_replication pg_replication_slots pg_foreign_server foreign_server_options
    """
)
