//! `GET /public/v2/categories` with cursor paging (API.md §3.3).

use crate::client::KickClient;
use crate::error::{Error, Result};
use crate::ids::CategoryId;
use crate::transport::{ApiRequest, ApiResponse};
use serde::Deserialize;

/// Largest page Kick serves.
pub const MAX_CATEGORY_LIMIT: u32 = 1000;
/// A name filter needs at least this many characters ([TWIR]).
pub const MIN_CATEGORY_NAME: usize = 3;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Category {
    pub id: CategoryId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub thumbnail: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub tags: Vec<String>,
}

/// Filters and paging for categories v2. Array filters are sent as repeated
/// keys (`name=a&name=b`); Kick's docs leave the encoding open (API.md §3.3)
/// and the fake accepts repeated keys, `key[]` and comma lists.
#[derive(Clone, Debug, Default)]
pub struct CategoryQuery {
    pub names: Vec<String>,
    pub tags: Vec<String>,
    pub ids: Vec<CategoryId>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl CategoryQuery {
    /// A name search as a streamer types it.
    pub fn search(name: &str) -> Self {
        CategoryQuery {
            names: vec![name.trim().to_owned()],
            ..Default::default()
        }
    }
}

pub fn categories_request(q: &CategoryQuery) -> Result<ApiRequest> {
    let mut req = ApiRequest::get("GET /public/v2/categories", "/public/v2/categories").scope(None);
    for n in &q.names {
        let n = n.trim();
        if n.chars().count() < MIN_CATEGORY_NAME {
            return Err(Error::validation(
                "category search",
                format!("type at least {MIN_CATEGORY_NAME} characters"),
            ));
        }
        req = req.query("name", n);
    }
    for t in &q.tags {
        req = req.query("tag", t.trim());
    }
    for id in &q.ids {
        req = req.query("id", id);
    }
    if let Some(limit) = q.limit {
        if !(1..=MAX_CATEGORY_LIMIT).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("1 to {MAX_CATEGORY_LIMIT}, got {limit}"),
            ));
        }
        req = req.query("limit", limit);
    }
    if let Some(c) = &q.cursor {
        req = req.query("cursor", c);
    }
    Ok(req)
}

impl KickClient {
    /// One page of categories; `next_cursor` is `None` on the last page.
    pub async fn categories(&self, q: &CategoryQuery) -> Result<ApiResponse<Vec<Category>>> {
        self.execute(categories_request(q)?).await
    }

    /// Every page of a query, following cursors (bounded by `max_pages`).
    pub async fn all_categories(
        &self,
        mut q: CategoryQuery,
        max_pages: usize,
    ) -> Result<Vec<Category>> {
        let mut out = Vec::new();
        for _ in 0..max_pages {
            let page = self.categories(&q).await?;
            out.extend(page.data);
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_filters_and_validates() {
        let r = categories_request(&CategoryQuery {
            names: vec!["just".into()],
            ids: vec![CategoryId(1), CategoryId(2)],
            limit: Some(50),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            r.query,
            vec![
                ("name", "just".to_string()),
                ("id", "1".into()),
                ("id", "2".into()),
                ("limit", "50".into())
            ]
        );
        assert!(categories_request(&CategoryQuery::search("ju")).is_err());
        assert!(categories_request(&CategoryQuery {
            limit: Some(0),
            ..Default::default()
        })
        .is_err());
    }
}
