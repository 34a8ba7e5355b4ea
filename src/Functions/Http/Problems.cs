using Campaigns.Domain.Validation;

namespace Campaigns.Functions.Http;

/// <summary>
/// RFC 9457 problem details (<c>application/problem+json</c>) for every error the API returns. Validation
/// problems carry <c>errors</c>: one entry per wrong field with its path (<c>contacts[3].phone</c>), a JSON
/// pointer to it (<c>/contacts/3/phone</c>) and a message.
/// </summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";
    internal const string TypePrefix = "urn:campaigns:problem:";

    public sealed record FieldProblem(string Field, string Pointer, string Detail);

    public static IResult Validation(IReadOnlyList<FieldError> errors) => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        type: TypePrefix + "validation",
        title: "The request is not valid.",
        detail: errors.Count == 1 ? $"{errors[0].Field} {errors[0].Message}".Trim() : $"{errors.Count} fields are not valid; see errors.",
        extensions: new Dictionary<string, object?> { ["errors"] = errors.Select(e => new FieldProblem(e.Field, Pointer(e.Field), e.Message)).ToList() });

    public static IResult Validation(string field, string message) => Validation([new FieldError(field, message)]);

    public static IResult MalformedJson(string detail) => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest, type: TypePrefix + "malformed-json", title: "The request body is not valid JSON.", detail: detail);

    public static IResult NotFound(string detail) => Results.Problem(
        statusCode: StatusCodes.Status404NotFound, type: TypePrefix + "not-found", title: "Not found.", detail: detail);

    public static IResult Conflict(string detail, IDictionary<string, object?>? extensions = null) => Results.Problem(
        statusCode: StatusCodes.Status409Conflict, type: TypePrefix + "conflict", title: "The request conflicts with the current state.", detail: detail, extensions: extensions);

    public static IResult UnsupportedMediaType(string detail) => Results.Problem(
        statusCode: StatusCodes.Status415UnsupportedMediaType, type: TypePrefix + "unsupported-media-type", title: "Unsupported media type.", detail: detail);

    public static IResult PayloadTooLarge(long limit) => Results.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge, type: TypePrefix + "payload-too-large", title: "The request body is too large.",
        detail: $"Request bodies are limited to {limit / (1024 * 1024)} MiB ({limit} bytes).");

    public static IResult Unauthorized(HttpContext http, string detail, string? error)
    {
        http.Response.Headers.WWWAuthenticate = error is null
            ? "Bearer realm=\"campaigns\""
            : $"Bearer realm=\"campaigns\", error=\"{error}\"";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, type: TypePrefix + "unauthorized", title: "Authentication required.", detail: detail);
    }

    /// <summary><c>contacts[3].phone</c> as a JSON pointer: <c>/contacts/3/phone</c> (RFC 6901 escaping).</summary>
    public static string Pointer(string field)
    {
        if (field.Length == 0)
            return "";
        var segments = new List<string>();
        foreach (var part in field.Split('.'))
        {
            var rest = part;
            var bracket = rest.IndexOf('[');
            if (bracket < 0)
            {
                segments.Add(rest);
                continue;
            }
            segments.Add(rest[..bracket]);
            foreach (var index in rest[bracket..].Split(['[', ']'], StringSplitOptions.RemoveEmptyEntries))
                segments.Add(index);
        }
        return string.Concat(segments.Select(s => "/" + s.Replace("~", "~0").Replace("/", "~1")));
    }
}
