using System.Collections;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Campaigns.LocalHost.Configuration;

/// <summary>
/// The app settings the worker and the bindings see, gathered as the Functions host gathers them locally:
/// local.settings.json <c>Values</c>, overridden by the host's own environment, overridden by settings given in code
/// (tests). Binding expressions like <c>%WorkQueue%</c> resolve against these.
/// </summary>
public sealed partial class AppSettings
{
    private readonly Dictionary<string, string> _values;

    public AppSettings(IReadOnlyDictionary<string, string> values) => _values = new(values, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, string> Values => _values;

    public string? this[string name] => _values.TryGetValue(name, out var value) ? value : null;

    public static AppSettings Load(string appDirectory, IReadOnlyDictionary<string, string>? overrides, bool includeEnvironment = true)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var local = Path.Combine(appDirectory, "local.settings.json");
        if (File.Exists(local) && JsonNode.Parse(File.ReadAllText(local))?["Values"] is JsonObject settings)
        {
            foreach (var (key, value) in settings)
            {
                if (value is not null)
                    values[key] = value.ToString();
            }
        }
        if (includeEnvironment)
        {
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
                values[(string)entry.Key] = (string?)entry.Value ?? "";
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
            values[key] = value;
        return new AppSettings(values);
    }

    /// <summary>Replaces every <c>%Name%</c> with its setting; a missing setting is an error, as in the Functions host.</summary>
    public string Resolve(string expression) =>
        Percent().Replace(expression, match => this[match.Groups[1].Value]
            ?? throw new InvalidOperationException($"The binding expression '{expression}' names the app setting '{match.Groups[1].Value}', which is not set."));

    /// <summary>A connection's string: the setting itself, or <c>AzureWebJobs{name}</c> as the host also looks there.</summary>
    public string Connection(string? name)
    {
        var key = string.IsNullOrEmpty(name) ? "AzureWebJobsStorage" : name;
        return this[key] ?? this["AzureWebJobs" + key]
            ?? throw new InvalidOperationException($"The connection '{key}' is not set (neither '{key}' nor 'AzureWebJobs{key}').");
    }

    /// <summary>A function turned off by <c>AzureWebJobs.{name}.Disabled</c> (true or 1), as the Functions host reads it.</summary>
    public bool IsDisabled(string functionName) =>
        this[$"AzureWebJobs.{functionName}.Disabled"] is { } value && (bool.TryParse(value, out var on) ? on : value == "1");

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex Percent();
}
