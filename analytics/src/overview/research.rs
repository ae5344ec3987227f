//! Security research and release notes (docs/product.md §4.8).

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Research {
    pub articles: Vec<crate::dataset::Article>,
}

/// Research and release notes (§4.8), newest first; the window does not apply.
pub fn research(data: &Dataset) -> Research {
    let mut articles = data.articles.clone();
    articles.sort_by(|a, b| b.published_at_ms.cmp(&a.published_at_ms).then(a.id.cmp(&b.id)));
    Research { articles }
}

