using System.Text.Json;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Validation;

namespace Campaigns.Functions.Http.V1;

/// <summary>
/// Reads the JSON of <c>POST /v1/campaigns</c> into a <see cref="CampaignDraft"/>. It judges only JSON shape
/// (a string where a string belongs, an integer where an integer belongs, no unknown top-level keys); the rules
/// themselves are <see cref="CampaignRules"/>'s.
/// </summary>
internal static class CreateCampaignReader
{
    private static readonly HashSet<string> TopLevelKeys =
        ["name", "script_id", "language", "contacts", "schedule", "max_attempts", "retry_interval_minutes"];
    private static readonly HashSet<string> ScheduleKeys = ["start_time", "end_time", "timezone"];

    public static CampaignDraft Read(JsonElement root, ValidationErrors errors)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!TopLevelKeys.Contains(property.Name))
                errors.Add(property.Name, $"is not a field of a campaign; known fields are {string.Join(", ", TopLevelKeys)}");
        }
        return new CampaignDraft(
            Name: String(root, "name", "name", errors),
            ScriptId: String(root, "script_id", "script_id", errors),
            Language: String(root, "language", "language", errors),
            Contacts: Contacts(root, errors),
            Schedule: Schedule(root, errors),
            MaxAttempts: Integer(root, "max_attempts", "max_attempts", errors),
            RetryIntervalMinutes: Integer(root, "retry_interval_minutes", "retry_interval_minutes", errors));
    }

    private static List<ContactDraft>? Contacts(JsonElement root, ValidationErrors errors)
    {
        if (!root.TryGetProperty("contacts", out var array) || array.ValueKind == JsonValueKind.Null)
            return null;
        if (array.ValueKind != JsonValueKind.Array)
        {
            errors.Add("contacts", "must be an array of contact objects");
            return null;
        }
        var drafts = new List<ContactDraft>(array.GetArrayLength());
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            drafts.Add(ReadContact(element, ValidationErrors.Index("contacts", index), errors));
            index++;
        }
        return drafts;
    }

    /// <summary>Reads one contact object: <c>phone</c>, <c>name</c>, optional <c>timezone</c>, every other key a custom field.</summary>
    public static ContactDraft ReadContact(JsonElement element, string path, ValidationErrors errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(path, "must be an object with phone and name");
            errors.Add(ValidationErrors.Join(path, "phone"), "is required");
            errors.Add(ValidationErrors.Join(path, "name"), "is required");
            return new ContactDraft(null, null, null, CustomFields.None);
        }
        List<KeyValuePair<string, string>>? custom = null;
        foreach (var property in element.EnumerateObject())
        {
            if (CampaignRules.KnownContactKeys.Contains(property.Name))
                continue;
            custom ??= [];
            custom.Add(new(property.Name, property.Value.GetRawText()));
        }
        return new ContactDraft(
            String(element, "phone", ValidationErrors.Join(path, "phone"), errors),
            String(element, "name", ValidationErrors.Join(path, "name"), errors),
            String(element, "timezone", ValidationErrors.Join(path, "timezone"), errors),
            custom is null ? CustomFields.None : new CustomFields(custom));
    }

    private static ScheduleDraft? Schedule(JsonElement root, ValidationErrors errors)
    {
        if (!root.TryGetProperty("schedule", out var schedule) || schedule.ValueKind == JsonValueKind.Null)
            return null;
        if (schedule.ValueKind != JsonValueKind.Object)
        {
            errors.Add("schedule", "must be an object with start_time, end_time and timezone");
            return null;
        }
        foreach (var property in schedule.EnumerateObject())
        {
            if (!ScheduleKeys.Contains(property.Name))
                errors.Add($"schedule.{property.Name}", "is not a field of a schedule; known fields are start_time, end_time, timezone");
        }
        return new ScheduleDraft(
            String(schedule, "start_time", "schedule.start_time", errors),
            String(schedule, "end_time", "schedule.end_time", errors),
            String(schedule, "timezone", "schedule.timezone", errors));
    }

    /// <summary>A string property, or null when absent or JSON null; a value of another type is an error.</summary>
    public static string? String(JsonElement obj, string name, string path, ValidationErrors errors)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String)
        {
            try
            {
                return value.GetString();
            }
            catch (InvalidOperationException)
            {
                errors.Add(path, "contains an invalid Unicode escape (a lone surrogate)");
                return null;
            }
        }
        errors.Add(path, $"must be a string, not {Describe(value.ValueKind)}");
        return null;
    }

    /// <summary>A string element of an array (a lone-surrogate escape is an error, not an exception).</summary>
    public static string? String(JsonElement array, int index, string path, ValidationErrors errors)
    {
        try
        {
            return array[index].GetString();
        }
        catch (InvalidOperationException)
        {
            errors.Add(path, "contains an invalid Unicode escape (a lone surrogate)");
            return null;
        }
    }

    /// <summary>An integer property, or null when absent or JSON null; 2.5, "3" or a huge number is an error.</summary>
    public static int? Integer(JsonElement obj, string name, string path, ValidationErrors errors)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
            return number;
        errors.Add(path, value.ValueKind == JsonValueKind.Number
            ? "must be a whole number in range"
            : $"must be an integer, not {Describe(value.ValueKind)}");
        return null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
