using System.Text;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Languages;
using Campaigns.Domain.Scheduling;
using Campaigns.Domain.Validation;

namespace Campaigns.Domain.Campaigns;

/// <summary>A create request as read off the wire: each field raw, null when absent or of the wrong JSON type.</summary>
public sealed record CampaignDraft(
    string? Name,
    string? ScriptId,
    string? Language,
    IReadOnlyList<ContactDraft>? Contacts,
    ScheduleDraft? Schedule,
    int? MaxAttempts,
    int? RetryIntervalMinutes);

public sealed record ContactDraft(string? Phone, string? Name, string? TimeZone, CustomFields CustomFields);

public sealed record ScheduleDraft(string? StartTime, string? EndTime, string? TimeZone);

/// <summary>
/// The rules of <c>POST /v1/campaigns</c>. Limits that the seed leaves open are decided here:
/// <list type="bullet">
/// <item><c>retry_interval_minutes</c>: at most <see cref="MaxRetryIntervalMinutes"/> (7 days).</item>
/// <item>At most <see cref="MaxContactsPerRequest"/> contacts in one request.</item>
/// <item>A phone number repeated within one request is rejected (every repeat is listed), not merged: merging
///   would silently drop one of two sets of custom fields, and a dialer must never guess whose call it is.</item>
/// <item>Lengths are counted in Unicode code points.</item>
/// </list>
/// </summary>
public static class CampaignRules
{
    public const int MaxNameLength = 255;
    public const int MaxScriptIdLength = 255;
    public const int MinAttempts = 1;
    public const int MaxAttempts = 5;
    public const int DefaultMaxAttempts = 1;
    public const int MinRetryIntervalMinutes = 1;
    public const int MaxRetryIntervalMinutes = 7 * 24 * 60;
    public const int DefaultRetryIntervalMinutes = 240;
    public const int MaxContactsPerRequest = 100_000;
    public const int MaxContactNameLength = 255;
    public const int MaxCustomFieldNameLength = 64;
    public const int MaxCustomFieldsPerContact = 50;
    public const int MaxCustomFieldsJsonLength = 8 * 1024;

    /// <summary>Keys of a contact object that are not custom fields.</summary>
    public static readonly IReadOnlySet<string> KnownContactKeys = new HashSet<string>(StringComparer.Ordinal) { "phone", "name", "timezone" };

    /// <summary>
    /// Validates a draft. Returns the spec when it is valid; otherwise null, with every problem in
    /// <paramref name="errors"/>. Paths already in <paramref name="errors"/> (wrong JSON type, found by the
    /// reader) are not reported twice.
    /// </summary>
    public static CampaignSpec? Validate(CampaignDraft draft, ValidationErrors errors)
    {
        var name = RequiredText(draft.Name, "name", MaxNameLength, errors);
        var scriptId = RequiredText(draft.ScriptId, "script_id", MaxScriptIdLength, errors);
        LanguageTag? language = null;
        if (!errors.Has("language"))
        {
            if (!LanguageTag.TryParse(draft.Language, out var tag, out var error))
                errors.Add("language", error);
            else
                language = tag;
        }

        CampaignSchedule? schedule = null;
        if (draft.Schedule is { } s && !errors.Has("schedule"))
            schedule = CampaignSchedule.TryCreate(s.StartTime, s.EndTime, s.TimeZone, "schedule", errors);

        var maxAttempts = draft.MaxAttempts ?? DefaultMaxAttempts;
        if (maxAttempts is < MinAttempts or > MaxAttempts && !errors.Has("max_attempts"))
            errors.Add("max_attempts", $"must be an integer from {MinAttempts} to {MaxAttempts}");

        var retry = draft.RetryIntervalMinutes ?? DefaultRetryIntervalMinutes;
        if (retry is < MinRetryIntervalMinutes or > MaxRetryIntervalMinutes && !errors.Has("retry_interval_minutes"))
            errors.Add("retry_interval_minutes", $"must be an integer from {MinRetryIntervalMinutes} to {MaxRetryIntervalMinutes} (7 days)");

        var contacts = ValidateContacts(draft.Contacts, errors);

        if (errors.Any || name is null || scriptId is null || language is null || contacts is null)
            return null;
        return new CampaignSpec(name, scriptId, language, schedule, maxAttempts, retry, contacts);
    }

    private static List<ContactSpec>? ValidateContacts(IReadOnlyList<ContactDraft>? drafts, ValidationErrors errors)
    {
        if (errors.Has("contacts"))
            return null;
        if (drafts is null)
        {
            errors.Add("contacts", "is required: an array of at least one contact");
            return null;
        }
        if (drafts.Count == 0)
        {
            errors.Add("contacts", "must contain at least one contact");
            return null;
        }
        if (drafts.Count > MaxContactsPerRequest)
        {
            errors.Add("contacts", $"has {drafts.Count} contacts; at most {MaxContactsPerRequest} are accepted in one request");
            return null;
        }

        var result = new List<ContactSpec>(drafts.Count);
        var firstIndexByPhone = new Dictionary<string, int>(drafts.Count, StringComparer.Ordinal);
        for (var i = 0; i < drafts.Count; i++)
        {
            var path = ValidationErrors.Index("contacts", i);
            var contact = ValidateContact(drafts[i], path, errors);
            if (contact is null)
                continue;
            if (firstIndexByPhone.TryGetValue(contact.Phone.E164, out var first))
            {
                errors.Add(ValidationErrors.Join(path, "phone"),
                    $"repeats contacts[{first}].phone ({contact.Phone.E164}); each number may appear once in a campaign");
                continue;
            }
            firstIndexByPhone.Add(contact.Phone.E164, i);
            result.Add(contact);
        }
        return result;
    }

    /// <summary>Validates one contact; every problem goes to <paramref name="errors"/> under <paramref name="path"/>.</summary>
    public static ContactSpec? ValidateContact(ContactDraft draft, string path, ValidationErrors errors)
    {
        var before = errors.Count;
        PhoneNumber phone = default;
        var phonePath = ValidationErrors.Join(path, "phone");
        if (!errors.Has(phonePath))
        {
            if (!PhoneNumber.TryParse(draft.Phone, out phone, out var error))
                errors.Add(phonePath, error);
        }
        var name = RequiredText(draft.Name, ValidationErrors.Join(path, "name"), MaxContactNameLength, errors);
        var zonePath = ValidationErrors.Join(path, "timezone");
        if (draft.TimeZone is not null && !errors.Has(zonePath))
            CampaignSchedule.ParseZone(draft.TimeZone, zonePath, errors);

        if (draft.CustomFields.Count > MaxCustomFieldsPerContact)
            errors.Add(path, $"has {draft.CustomFields.Count} custom fields; at most {MaxCustomFieldsPerContact} are kept per contact");
        var totalJson = 0;
        foreach (var (key, raw) in draft.CustomFields.RawJsonByName)
        {
            totalJson += key.Length + raw.Length;
            if (key.Length == 0 || key.Length > MaxCustomFieldNameLength)
                errors.Add(ValidationErrors.Join(path, key), $"custom field names must be 1 to {MaxCustomFieldNameLength} characters");
        }
        if (totalJson > MaxCustomFieldsJsonLength)
            errors.Add(path, $"custom fields take {totalJson} characters of JSON; at most {MaxCustomFieldsJsonLength} are kept per contact");

        if (errors.Count > before || name is null)
            return null;
        return new ContactSpec(phone, name, draft.TimeZone, draft.CustomFields);
    }

    private static string? RequiredText(string? value, string field, int maxLength, ValidationErrors errors)
    {
        if (errors.Has(field))
            return null;
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(field, "is required and must not be blank");
            return null;
        }
        var length = CodePoints(value);
        if (length > maxLength)
        {
            errors.Add(field, $"must be at most {maxLength} characters (got {length})");
            return null;
        }
        return value;
    }

    private static int CodePoints(string value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateRunes())
            count++;
        return count;
    }
}
