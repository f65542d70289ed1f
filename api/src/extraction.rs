//! Figures from report text, with what the database knows: the extractor (crate
//! `civicgraph-extract`) given a catalog of the stored regions, metrics and programs, and the shipped
//! dictionaries extended by the user's files.

use civicgraph_extract::{Catalog, CatalogMetric, CatalogProgram, CatalogRegion, Dictionaries, Extractor};
use sea_orm::DbErr;

use crate::store::Db;
use crate::store::exports::{self, Scope};

/// What the database knows, as the extractor's catalog (read a page at a time).
pub async fn catalog(db: &Db) -> Result<Catalog, DbErr> {
    let conn = &db.read;
    let scope = Scope::all();
    let mut catalog = Catalog::default();
    let mut after: Option<(crate::domain::Level, String)> = None;
    loop {
        let page = exports::regions(conn, &scope, after.as_ref().map(|(l, c)| (*l, c.as_str()))).await?;
        let Some(last) = page.last() else { break };
        after = Some((last.level, last.code.clone()));
        catalog.regions.extend(page.into_iter().map(|r| {
            CatalogRegion {
                code: r.code,
                name: r.name,
                aliases: r
                    .aliases
                    .and_then(|a| serde_json::from_str(&a).ok())
                    .unwrap_or_default(),
                level: r.level,
                parent: r.parent,
            }
        }));
    }
    catalog.metrics = exports::metrics(conn)
        .await?
        .into_iter()
        .map(|m| CatalogMetric {
            code: m.code,
            name: m.name,
            unit: m.unit,
            aliases: Vec::new(),
        })
        .collect();
    catalog.programs = exports::programs(conn, &scope)
        .await?
        .into_iter()
        .map(|p| CatalogProgram {
            code: p.code,
            name: p.name,
            region: Some(p.region),
            started_on: p.started_on,
        })
        .collect();
    Ok(catalog)
}

/// An extractor over the database's catalog, with the shipped dictionaries and the user's `files`.
pub async fn extractor(db: &Db, files: &[std::path::PathBuf]) -> anyhow::Result<Extractor> {
    let mut dictionaries = Dictionaries::builtin();
    for file in files {
        dictionaries.extend_from_file(file)?;
    }
    Ok(Extractor::new(catalog(db).await?, dictionaries))
}
