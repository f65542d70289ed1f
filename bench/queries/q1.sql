-- Q1 lookup: one region by code, its parent's name, its children's codes and names.
SELECT r.code, r.name, r.level, r.population, p.code AS parent_code, p.name AS parent_name,
       (SELECT json_agg(json_build_object('code', c.code, 'name', c.name) ORDER BY c.code)
          FROM region c WHERE c.parent_id = r.id) AS children
  FROM region r LEFT JOIN region p ON p.id = r.parent_id
 WHERE r.code = '@Q1_CODE@';
