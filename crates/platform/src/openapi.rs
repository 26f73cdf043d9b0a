//! The OpenAPI document, generated from the one route list, so it cannot drift from the router.

use crate::context::Ctx;
use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Required, ResponseBuilder,
};

pub fn document(ctx: &Ctx) -> OpenApi {
    let mut paths = PathsBuilder::new();
    for r in ctx.state.registry.routes.iter().filter(|r| r.api) {
        let method = match r.method {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            _ => HttpMethod::Delete,
        };
        let mut op = OperationBuilder::new()
            .summary(Some(r.summary))
            .description(Some(format!("所需权限：{}", r.need)))
            .response("200", ResponseBuilder::new().description("成功"))
            .response("4XX", ResponseBuilder::new().description("{\"error\":{\"code\",\"message\",\"fields\"}}"));
        for seg in r.path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            op = op
                .parameter(ParameterBuilder::new().name(name).parameter_in(ParameterIn::Path).required(Required::True));
        }
        paths = paths.path(r.path, PathItem::new(method, op));
    }
    let components = ComponentsBuilder::new()
        .security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()))
        .build();
    OpenApiBuilder::new()
        .info(InfoBuilder::new().title("纲举 Gangju API").version(env!("CARGO_PKG_VERSION")))
        .paths(paths)
        .components(Some(components))
        .build()
}

pub async fn serve(ctx: Ctx) -> Response {
    Json(document(&ctx)).into_response()
}
