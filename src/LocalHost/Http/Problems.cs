using System.Text.Json;

namespace Campaigns.LocalHost.Http;

/// <summary>Errors the host itself answers (no route, wrong method, timeout), as RFC 9457 problem details.</summary>
public static class Problems
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var problem = new Dictionary<string, object?>
        {
            ["type"] = $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}",
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["instance"] = context.Request.Path.Value,
        };
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, Json, CancellationToken.None);
    }
}
