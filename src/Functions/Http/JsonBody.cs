using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Campaigns.Functions.Http;

/// <summary>
/// Reads a JSON request body into a <see cref="JsonDocument"/>, turning every way it can be wrong into a problem:
/// wrong content type (415), too large (413), not JSON (400 with line and byte position), not an object (400).
/// </summary>
internal static class JsonBody
{
    /// <summary>The largest request body accepted: 32 MiB (a 100,000-contact campaign is about 10 MiB).</summary>
    public const long MaxBytes = 32L * 1024 * 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow };

    public static async Task<(JsonDocument? Document, IResult? Problem)> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            && !(type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.Contains("+json", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, Problems.UnsupportedMediaType($"Send the body as application/json, not {type}."));
        }
        if (request.ContentLength > MaxBytes)
            return (null, Problems.PayloadTooLarge(MaxBytes));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxBytes;

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "";
            return (null, Problems.MalformedJson($"The body could not be parsed as JSON{where}."));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.PayloadTooLarge(MaxBytes));
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return (null, Problems.Validation("", "the body must be a JSON object"));
        }
        return (document, null);
    }

    /// <summary>
    /// Runs a reader over a parsed body. A property name or string with a lone-surrogate escape (<c>"\ud800"</c>) is
    /// valid JSON that .NET cannot turn into a string; it becomes a 400 instead of an exception.
    /// </summary>
    public static IResult? Read(Action read)
    {
        try
        {
            read();
            return null;
        }
        catch (InvalidOperationException)
        {
            return Problems.Validation("", "the body contains an invalid Unicode escape (a lone surrogate)");
        }
    }
}
