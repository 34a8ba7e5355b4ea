using System.Text.Json.Nodes;

namespace Campaigns.Infra.Tests.Infrastructure;

/// <summary>One resource of the compiled template, with the module (nested deployment) it is declared in.</summary>
public sealed record TemplateResource(string Type, string Module, JsonObject Json)
{
    public JsonObject Properties => Json["properties"] as JsonObject ?? [];

    /// <summary>The value at a dotted path under the resource (e.g. <c>properties.siteConfig.minTlsVersion</c>), or null.</summary>
    public JsonNode? At(string path) => path.Split('.').Aggregate<string, JsonNode?>(Json, (node, key) => node is JsonObject o ? o[key] : null);

    public override string ToString() => $"{Type} in {Module}: {Json["name"]}";
}

/// <summary>
/// Every template under infra/, built and linted once for the whole test run with the same glob: the build writes one
/// JSON per .bicep file, which proves the glob reached every file, and the lint then reports on the same set.
/// <see cref="Main"/> is infra/main.bicep compiled, with its modules inlined as nested deployments.
/// </summary>
public sealed class CompiledInfra
{
    /// <summary>Relative to the repository root: the CLI's glob treats <c>*.bicep</c> as matching nothing at the top.</summary>
    public const string Pattern = "infra/**/*.bicep";

    private static readonly Lazy<Task<CompiledInfra>> Instance = new(CompileAsync);

    private CompiledInfra(IReadOnlyList<string> files, IReadOnlyDictionary<string, JsonObject> compiled, BicepRun build, BicepRun lint)
    {
        BicepFiles = files;
        Compiled = compiled;
        Build = build;
        Lint = lint;
        _resources = new(() => Flatten(Main, "main").ToList());
    }

    private readonly Lazy<List<TemplateResource>> _resources;

    public static Task<CompiledInfra> GetAsync() => Instance.Value;

    /// <summary>The .bicep files under infra/, relative to it (e.g. <c>modules/storage.bicep</c>).</summary>
    public IReadOnlyList<string> BicepFiles { get; }

    /// <summary>Each .bicep file's compiled ARM template, by the file's path relative to infra/.</summary>
    public IReadOnlyDictionary<string, JsonObject> Compiled { get; }

    public BicepRun Build { get; }

    public BicepRun Lint { get; }

    public JsonObject Main => Compiled.TryGetValue("main.bicep", out var main) ? main
        : throw new Xunit.Sdk.XunitException($"infra/main.bicep did not compile:\n{Build.StandardError}");

    /// <summary>Every resource main.bicep deploys, those of its modules included (the modules themselves too).</summary>
    public IReadOnlyList<TemplateResource> Resources => _resources.Value;

    public IEnumerable<TemplateResource> OfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    public TemplateResource Single(string type)
    {
        var found = OfType(type).ToList();
        Assert.True(found.Count == 1, $"expected one {type}, found {found.Count}");
        return found[0];
    }

    /// <summary>A parameter of main.bicep, as the compiled template declares it (type, defaultValue, allowedValues...).</summary>
    public JsonObject Parameter(string name) =>
        Main["parameters"]?[name] as JsonObject ?? throw new Xunit.Sdk.XunitException($"main.bicep has no parameter '{name}'.");

    /// <summary>The value (an ARM expression, usually) main.bicep passes to a module's parameter.</summary>
    public string ModuleParameter(string module, string parameter)
    {
        var deployment = OfType("Microsoft.Resources/deployments").SingleOrDefault(d => d.Json["name"]?.ToString() == module)
            ?? throw new Xunit.Sdk.XunitException($"main.bicep has no module '{module}'.");
        return deployment.At($"properties.parameters.{parameter}.value")?.ToString()
            ?? throw new Xunit.Sdk.XunitException($"module '{module}' is given no parameter '{parameter}'.");
    }

    /// <summary>
    /// The function app's settings: the keys and values of its <c>appsettings</c> config resource, and of
    /// <c>siteConfig.appSettings</c> if a site declared any there (so that none can hide from the checks).
    /// </summary>
    public IReadOnlyDictionary<string, string> AppSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var config in OfType("Microsoft.Web/sites/config").Where(c => (c.Json["name"]?.ToString() ?? "").Contains("appsettings", StringComparison.Ordinal)))
        {
            foreach (var (key, value) in config.Properties)
                settings.Add(key, value?.ToString() ?? "");
        }
        foreach (var site in OfType("Microsoft.Web/sites"))
        {
            if (site.At("properties.siteConfig.appSettings") is JsonArray pairs)
            {
                foreach (var pair in pairs)
                    settings.Add(pair!["name"]!.ToString(), pair["value"]?.ToString() ?? "");
            }
        }
        return settings;
    }

    private static async Task<CompiledInfra> CompileAsync()
    {
        var files = Directory.EnumerateFiles(Repository.Infra, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.Infra, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        var outDir = Directory.CreateTempSubdirectory("campaigns-infra-").FullName;
        try
        {
            var build = await BicepCli.RunAsync(Repository.Root, "build", "--pattern", Pattern, "--outdir", outDir);
            var lint = await BicepCli.RunAsync(Repository.Root, "lint", "--pattern", Pattern);
            var compiled = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var json = Path.Combine(outDir, Path.ChangeExtension(file, ".json"));
                if (File.Exists(json))
                    compiled[file] = JsonNode.Parse(await File.ReadAllTextAsync(json))!.AsObject();
            }
            return new CompiledInfra(files, compiled, build, lint);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>The resources of a template and, recursively, of the templates of its nested deployments (modules).</summary>
    private static IEnumerable<TemplateResource> Flatten(JsonObject template, string module)
    {
        // A template lists its resources as an array, or (languageVersion 2.0) as an object keyed by symbolic name.
        var resources = template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject byName => byName.Select(p => p.Value).OfType<JsonObject>(),
            _ => [],
        };
        foreach (var resource in resources)
        {
            var type = resource["type"]?.ToString() ?? "";
            yield return new TemplateResource(type, module, resource);
            if (type == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Flatten(nested, resource["name"]?.ToString() ?? "?"))
                    yield return inner;
            }
        }
    }
}
