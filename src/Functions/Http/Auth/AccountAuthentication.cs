using Campaigns.Functions.Http;

namespace Campaigns.Functions.Http.Auth;

/// <summary>
/// Who is calling: a Bearer API key (<c>Authorization: Bearer ...</c>), or the same key as the <c>access_token</c>
/// cookie (the <c>/api/v</c> surface's way). Every <c>/v1</c> and <c>/api/v</c> endpoint requires one; the
/// account it resolves to scopes every read and write, so one account never sees another's data.
/// </summary>
internal static class AccountAuthentication
{
    public const string CookieName = "access_token";
    private const string AccountItem = "campaigns.account";

    public static string AccountId(this HttpContext context) =>
        context.Items[AccountItem] as string ?? throw new InvalidOperationException("Endpoint is not behind RequireAccount");

    /// <summary>An endpoint filter: 401 problem with <c>WWW-Authenticate</c> unless a known key is presented.</summary>
    public static RouteGroupBuilder RequireAccount(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            var presented = PresentedKey(http.Request);
            if (presented is null)
                return Problems.Unauthorized(http, "Missing API key: send 'Authorization: Bearer <key>' or the access_token cookie.", error: null);
            var keys = http.RequestServices.GetRequiredService<ApiKeys>();
            var account = await keys.ResolveAccountAsync(presented, http.RequestAborted);
            if (account is null)
                return Problems.Unauthorized(http, "The API key is not valid.", error: "invalid_token");
            http.Items[AccountItem] = account;
            return await next(invocation);
        });
        return group;
    }

    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer ".Length..].Trim();
            return token.Length is > 0 and <= 512 ? token : null;
        }
        return request.Cookies.TryGetValue(CookieName, out var cookie) && cookie.Length is > 0 and <= 512 ? cookie : null;
    }
}
