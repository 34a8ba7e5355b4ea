using Campaigns.LocalHost.Worker;

namespace Campaigns.LocalHost.Http;

/// <summary>The result of routing one request: a function with its route values, a route without the method, or nothing.</summary>
public abstract record RouteMatch
{
    public sealed record Found(FunctionDescriptor Function, IReadOnlyDictionary<string, string> Values) : RouteMatch;

    public sealed record MethodNotAllowed(IReadOnlyList<string> Allowed) : RouteMatch;

    public sealed record NotFound : RouteMatch;
}

/// <summary>
/// The HTTP functions' routes, from their httpTrigger bindings: <c>route</c> (the function's name when absent) under
/// host.json <c>extensions.http.routePrefix</c>, and <c>methods</c> (all when absent). The most specific matching route
/// wins; a path that matches only with other methods is a 405, as ASP.NET Core routing answers.
/// </summary>
public sealed class HttpRouter
{
    private readonly List<(FunctionDescriptor Function, RouteTemplate Template, HashSet<string>? Methods)> _routes;

    public HttpRouter(IEnumerable<FunctionDescriptor> functions, string routePrefix)
    {
        _routes = functions.Where(f => f.IsTrigger("httpTrigger")).Select(f =>
        {
            var route = f.Property("route") ?? f.Name;
            var full = string.IsNullOrEmpty(routePrefix) ? route : $"{routePrefix.Trim('/')}/{route.TrimStart('/')}";
            var methods = f.Trigger["methods"]?.AsArray().Select(m => m!.GetValue<string>().ToUpperInvariant()).ToHashSet();
            return (f, RouteTemplate.Parse(full), methods is { Count: > 0 } ? methods : null);
        }).OrderByDescending(r => r.Item2.Precedence, PrecedenceComparer.Instance).ToList();
    }

    public int Count => _routes.Count;

    public RouteMatch Match(string method, string path)
    {
        List<string>? allowed = null;
        foreach (var (function, template, methods) in _routes)
        {
            if (!template.TryMatch(path, out var values))
                continue;
            if (methods is null || methods.Contains(method.ToUpperInvariant()))
                return new RouteMatch.Found(function, values);
            (allowed ??= []).AddRange(methods);
        }
        return allowed is null ? new RouteMatch.NotFound() : new RouteMatch.MethodNotAllowed(allowed.Distinct().Order().ToList());
    }

    private sealed class PrecedenceComparer : IComparer<IReadOnlyList<int>>
    {
        public static readonly PrecedenceComparer Instance = new();

        public int Compare(IReadOnlyList<int>? x, IReadOnlyList<int>? y)
        {
            for (var i = 0; i < Math.Min(x!.Count, y!.Count); i++)
            {
                if (x[i] != y[i])
                    return x[i].CompareTo(y[i]);
            }
            return x.Count.CompareTo(y.Count);
        }
    }
}
