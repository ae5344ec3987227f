//! MITRE ATT&CK Navigator layers (docs/product.md §4.6): the coverage exported as a layer, the
//! layers each user imported (kept per user), the ATT&CK groups of the release the product
//! ships, and either drawn over the matrix as an overlay.

use std::sync::Arc;

use analytics::attack;
use analytics::navigator::{self, LayerIn, Overlay};
use analytics::time::now_ms;
use app::auth::SessionUser;
use app::contract::{AttackGroupView, AttackLayerView, LayerImported};
use app::engine::Engine;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use serde::Deserialize;

use super::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/attack/navigator-layer", get(export))
        .route("/api/v1/attack/layers", get(layers).post(import))
        .route("/api/v1/attack/layers/{id}", delete(remove))
        .route("/api/v1/attack/groups", get(groups))
        .route("/api/v1/attack/overlay", get(overlay))
}

/// `GET /api/v1/attack/navigator-layer`: the coverage as a Navigator layer (format 4.5), as a
/// download.
async fn export(State(engine): State<Arc<Engine>>) -> Response {
    let layer = navigator::coverage_layer(&engine.snapshot(), "Signalboard detection coverage");
    (
        [(header::CONTENT_DISPOSITION, "attachment; filename=\"signalboard-attack-coverage.json\"")],
        Json(layer),
    )
        .into_response()
}

/// `GET /api/v1/attack/layers`: the layers the signed-in user keeps.
async fn layers(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>) -> ApiResult<Json<Vec<AttackLayerView>>> {
    let kept = engine.database().attack_layers(user.id).await?;
    Ok(Json(kept.into_iter().map(AttackLayerView::from).collect()))
}

/// `POST /api/v1/attack/layers`: keeps a Navigator layer (its name and technique IDs) for the
/// signed-in user, and answers it as an overlay. A layer of another domain, a technique ID that
/// is not one, or too many techniques is a 400 saying which.
async fn import(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    JsonBody(layer): JsonBody<LayerIn>,
) -> ApiResult<(StatusCode, Json<LayerImported>)> {
    let (name, ids) = layer.checked().map_err(ApiError::BadRequest)?;
    if ids.is_empty() {
        return Err(ApiError::BadRequest("the layer lists no enabled technique".to_owned()));
    }
    let Some(saved) = engine.database().save_attack_layer(user.id, &name, &ids, now_ms()).await? else {
        return Err(ApiError::Conflict(format!(
            "you keep {} layers already: remove one first",
            storage::MAX_LAYERS_PER_USER
        )));
    };
    let overlay = navigator::overlay(&engine.snapshot(), &saved.name, &saved.techniques);
    Ok((StatusCode::CREATED, Json(LayerImported { layer: saved.into(), overlay })))
}

/// `DELETE /api/v1/attack/layers/{id}`: forgets one of the signed-in user's layers.
async fn remove(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    match engine.database().delete_attack_layer(user.id, id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::not_found(format!("you keep no layer {id}"))),
    }
}

/// `GET /api/v1/attack/groups`: MITRE ATT&CK's groups (intrusion sets) of the shipped release,
/// with how many techniques each is known to use.
async fn groups() -> Json<Vec<AttackGroupView>> {
    Json(attack::groups().iter().map(AttackGroupView::from).collect())
}

#[derive(Debug, Deserialize)]
struct OverlayParams {
    layer: Option<i64>,
    group: Option<String>,
}

/// `GET /api/v1/attack/overlay?layer=ID` (one of the user's layers) or `?group=G0016`: the
/// techniques over today's matrix, uncovered first, with how many are covered.
async fn overlay(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Query(params): Query<OverlayParams>,
) -> ApiResult<Json<Overlay>> {
    let (name, ids) = match (params.layer, params.group) {
        (Some(id), None) => {
            let layer = engine.database().attack_layer(user.id, id).await?.ok_or_else(|| ApiError::not_found(format!("you keep no layer {id}")))?;
            (layer.name, layer.techniques)
        }
        (None, Some(group)) => {
            let g = attack::group(&group).ok_or_else(|| ApiError::not_found(format!("no ATT&CK group '{group}' in ATT&CK v{}", navigator::ATTACK_VERSION)))?;
            (format!("{} ({})", g.name, g.id), g.techniques.iter().map(|t| (*t).to_owned()).collect())
        }
        _ => return Err(ApiError::bad("give either 'layer' (one of your layers' ids) or 'group' (an ATT&CK group id such as G0016)")),
    };
    Ok(Json(navigator::overlay(&engine.snapshot(), &name, &ids)))
}

#[cfg(test)]
mod tests {
    use analytics::Role;
    use axum::http::Method;
    use serde_json::json;

    use super::*;
    use crate::routes::testing::TestState;

    #[tokio::test]
    async fn the_coverage_layer_round_trips_onto_itself() {
        let t = TestState::new(300).await;
        let (status, layer) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/attack/navigator-layer", None).await;
        assert_eq!(status, StatusCode::OK, "{layer}");
        // The format's required fields (layer format 4.5).
        assert_eq!(layer["versions"]["layer"], "4.5");
        assert_eq!(layer["domain"], "enterprise-attack");
        assert!(layer["name"].is_string() && layer["gradient"]["colors"].is_array() && layer["legendItems"].is_array());
        let entries = layer["techniques"].as_array().unwrap();
        assert!(!entries.is_empty());
        for e in entries {
            assert!(e["techniqueID"].is_string() && e["tactic"].is_string() && e["score"].as_u64().unwrap() > 0, "{e}");
            assert!(e["comment"].as_str().unwrap().starts_with("Enabled rules: "), "{e}");
        }
        // Imported back, it is all covered, and lands on the matrix cells the coverage module shows.
        let (status, imported) = t.send(router(), Role::Viewer, Method::POST, "/api/v1/attack/layers", Some(layer.clone())).await;
        assert_eq!(status, StatusCode::CREATED, "{imported}");
        let overlay = &imported["overlay"];
        let placed = overlay["techniques"].as_array().unwrap();
        assert_eq!(overlay["covered"].as_u64().unwrap() as usize, placed.len(), "every exported technique is covered");
        assert!(overlay["unplaced"].as_array().unwrap().is_empty());
        let data = t.engine().snapshot();
        let coverage = analytics::overview::mitre_coverage(&data, analytics::overview::Span { from: 0, to: now_ms() });
        let mut covered: Vec<&str> = coverage.tactics.iter().flat_map(|c| c.techniques.iter()).filter(|c| !c.rules.is_empty()).map(|c| c.id.as_str()).collect();
        covered.sort();
        covered.dedup();
        let mut cells: Vec<&str> = placed.iter().map(|p| p["id"].as_str().unwrap()).collect();
        cells.sort();
        assert_eq!(cells, covered);
    }

    #[tokio::test]
    async fn layers_are_each_users_own_and_bad_layers_are_refused() {
        let t = TestState::new(300).await;
        let layer = json!({ "name": "Test layer", "domain": "enterprise-attack", "versions": { "layer": "4.5" },
            "techniques": [ { "techniqueID": "T1002" }, { "techniqueID": "t1078.004" }, { "techniqueID": "T1053.004" },
                            { "techniqueID": "T1110", "enabled": false }, { "techniqueID": "T9999" } ] });
        let (status, body) = t.send(router(), Role::Analyst, Method::POST, "/api/v1/attack/layers", Some(layer)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["layer"]["id"].as_i64().unwrap();
        // T1002 (revoked) lands on T1560, T1078.004 on T1078; T1053.004 (deprecated) and T9999
        // land nowhere; T1110 is disabled in the layer.
        let cells: Vec<&str> = body["overlay"]["techniques"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
        let mut sorted = cells.clone();
        sorted.sort();
        assert_eq!(sorted, ["T1078", "T1560"]);
        assert_eq!(body["overlay"]["unplaced"], json!(["T1053.004", "T9999"]));
        let (_, listed) = t.send(router(), Role::Analyst, Method::GET, "/api/v1/attack/layers", None).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        let (status, _) = t.send(router(), Role::Viewer, Method::GET, &format!("/api/v1/attack/overlay?layer={id}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another user's layer");
        let (status, _) = t.send(router(), Role::Viewer, Method::DELETE, &format!("/api/v1/attack/layers/{id}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, again) = t.send(router(), Role::Analyst, Method::GET, &format!("/api/v1/attack/overlay?layer={id}"), None).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["techniques"], body["overlay"]["techniques"]);
        let (status, _) = t.send(router(), Role::Analyst, Method::DELETE, &format!("/api/v1/attack/layers/{id}"), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        for (bad, message) in [
            (json!({ "techniques": [ { "techniqueID": "X1" } ] }), "techniques[0]: 'X1' is not an ATT&CK technique ID"),
            (json!({ "domain": "mobile-attack", "techniques": [] }), "only enterprise-attack layers"),
            (json!({ "name": "nothing" }), "techniques"),
            (json!({ "techniques": [ { "techniqueID": "T1078", "enabled": false } ] }), "no enabled technique"),
        ] {
            let (status, body) = t.send(router(), Role::Analyst, Method::POST, "/api/v1/attack/layers", Some(bad)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert!(body["error"].as_str().unwrap().contains(message), "{body}");
        }
        let (_, listed) = t.send(router(), Role::Analyst, Method::GET, "/api/v1/attack/layers", None).await;
        assert_eq!(listed, json!([]), "nothing kept from the refused layers");
    }

    #[tokio::test]
    async fn a_group_is_drawn_with_the_techniques_mitre_lists_for_it() {
        let t = TestState::new(300).await;
        let (status, groups) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/attack/groups", None).await;
        assert_eq!(status, StatusCode::OK);
        let apt29 = groups.as_array().unwrap().iter().find(|g| g["id"] == "G0016").expect("APT29 is listed");
        assert_eq!(apt29["name"], "APT29");
        let (status, overlay) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/attack/overlay?group=G0016", None).await;
        assert_eq!(status, StatusCode::OK, "{overlay}");
        assert_eq!(overlay["name"], "APT29 (G0016)");
        let techniques = overlay["techniques"].as_array().unwrap();
        assert!(techniques.len() > 20, "APT29 uses many techniques: {}", techniques.len());
        // Uncovered first.
        let covered: Vec<bool> = techniques.iter().map(|t| t["covered"].as_bool().unwrap()).collect();
        assert!(covered.windows(2).all(|w| w[0] <= w[1]), "{covered:?}");
        assert_eq!(overlay["covered"].as_u64().unwrap() as usize, covered.iter().filter(|c| **c).count());
        let (status, _) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/attack/overlay?group=G9999", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/attack/overlay", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}
