//! CORS for polling requests, as the npm `cors` middleware the Node server uses.

use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};

/// Which cross-origin pages may use the polling transport.
///
/// Off by default, as in Node. [`Cors::any`] is Node's `cors: { origin: "*" }`.
///
/// ```
/// use socketio_runtime::server::Cors;
/// let cors = Cors::origins(["https://example.com"]).credentials(true);
/// assert!(cors.allows("https://example.com"));
/// assert!(!cors.allows("https://evil.example"));
/// ```
#[derive(Clone, Debug)]
pub struct Cors {
    origins: Origins,
    credentials: bool,
}

#[derive(Clone, Debug)]
enum Origins {
    Any,
    List(Vec<String>),
}

impl Cors {
    /// Every origin (`Access-Control-Allow-Origin: *`, or the request's origin when
    /// credentials are allowed).
    pub fn any() -> Cors {
        Cors { origins: Origins::Any, credentials: false }
    }

    /// Only these origins (scheme, host and port, e.g. `https://example.com`).
    pub fn origins<I, S>(origins: I) -> Cors
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Cors { origins: Origins::List(origins.into_iter().map(Into::into).collect()), credentials: false }
    }

    /// Whether cookies and credentials may be sent (`Access-Control-Allow-Credentials`).
    pub fn credentials(mut self, allow: bool) -> Cors {
        self.credentials = allow;
        self
    }

    /// Whether `origin` may use the server.
    pub fn allows(&self, origin: &str) -> bool {
        match &self.origins {
            Origins::Any => true,
            Origins::List(list) => list.iter().any(|o| o == origin),
        }
    }

    /// Adds the CORS headers for a request with these headers to a response.
    pub(crate) fn apply(&self, request: &HeaderMap, response: &mut HeaderMap) {
        let origin = request.get(http::header::ORIGIN);
        let allow = match (&self.origins, origin) {
            (Origins::Any, Some(o)) if self.credentials => Some(o.clone()),
            (Origins::Any, _) => Some(HeaderValue::from_static("*")),
            (Origins::List(_), Some(o)) if o.to_str().is_ok_and(|s| self.allows(s)) => Some(o.clone()),
            (Origins::List(_), _) => None,
        };
        if let Some(allow) = allow {
            response.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
            if !matches!(self.origins, Origins::Any) || self.credentials {
                response.append(http::header::VARY, HeaderValue::from_static("Origin"));
            }
            if self.credentials {
                response
                    .insert(http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
            }
        }
    }

    /// The answer to a preflight `OPTIONS` request.
    pub(crate) fn preflight<B: Default>(&self, request: &HeaderMap) -> Response<B> {
        let mut response = Response::new(B::default());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        self.apply(request, headers);
        headers.insert(
            http::header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET,HEAD,PUT,PATCH,POST,DELETE"),
        );
        if let Some(h) = request.get(http::header::ACCESS_CONTROL_REQUEST_HEADERS) {
            headers.insert(http::header::ACCESS_CONTROL_ALLOW_HEADERS, h.clone());
            headers.append(http::header::VARY, HeaderValue::from_static("Access-Control-Request-Headers"));
        }
        headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        response
    }
}

/// Whether a request is a CORS preflight.
pub(crate) fn is_preflight(method: &Method) -> bool {
    method == Method::OPTIONS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(o: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::ORIGIN, o.parse().unwrap());
        h
    }

    #[test]
    fn any_origin_is_a_star() {
        let mut out = HeaderMap::new();
        Cors::any().apply(&origin("http://a.test"), &mut out);
        assert_eq!(out[http::header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }

    #[test]
    fn credentials_echo_the_origin() {
        let mut out = HeaderMap::new();
        Cors::any().credentials(true).apply(&origin("http://a.test"), &mut out);
        assert_eq!(out[http::header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://a.test");
        assert_eq!(out[http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    }

    #[test]
    fn listed_origins_only() {
        let cors = Cors::origins(["http://a.test"]);
        let mut out = HeaderMap::new();
        cors.apply(&origin("http://b.test"), &mut out);
        assert!(out.get(http::header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        cors.apply(&origin("http://a.test"), &mut out);
        assert_eq!(out[http::header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://a.test");
    }

    #[test]
    fn preflight_answers_no_content() {
        let mut req = origin("http://a.test");
        req.insert(http::header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type".parse().unwrap());
        let r: Response<String> = Cors::any().preflight(&req);
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(r.headers()[http::header::ACCESS_CONTROL_ALLOW_HEADERS], "content-type");
    }
}
