using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace FedEdge.Hosting.Tests.Configuration;

/// <summary>
/// Sets every setting of an options tree to a value other than its default, binds through the service's own bind
/// function, and reports each setting that did not arrive. Catches what the unknown-key check cannot: a key the
/// schema accepts that the binder ignores (an init-only property the binding generator skips, a type it cannot convert).
/// </summary>
public static class BindingRoundTrip
{
    /// <summary>The settings (full keys) whose configured value did not reach the bound options.</summary>
    public static IReadOnlyList<string> UnboundSettings<T>(string sectionName, Func<IConfigurationSection, T> bind, params string[] skip)
        where T : class, new()
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var expected = new List<(string Key, PropertyInfo[] Path, object Value)>();
        Plan(typeof(T), new T(), sectionName, [], values, expected, skip, depth: 0);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var bound = bind(configuration.GetSection(sectionName));
        var missing = new List<string>();
        foreach (var (key, path, value) in expected)
        {
            object? actual = bound;
            foreach (var property in path)
            {
                actual = actual is null ? null : property.GetValue(actual);
            }

            if (!Equals(Normalize(actual), Normalize(value)))
            {
                missing.Add($"{key}: configured {value}, bound {actual ?? "null"}");
            }
        }

        return missing;
    }

    private static object? Normalize(object? value) => value switch
    {
        string text => text,
        IEnumerable<string> list => string.Join(",", list),
        float f => (double)f,
        _ => value,
    };

    private static void Plan(Type type, object? defaults, string prefix, PropertyInfo[] path, Dictionary<string, string?> values, List<(string, PropertyInfo[], object)> expected, string[] skip, int depth)
    {
        if (depth > 6)
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            string key = prefix + ":" + property.Name;
            if (property.GetIndexParameters().Length > 0 || skip.Contains(key, StringComparer.OrdinalIgnoreCase) || property.GetMethod is null)
            {
                continue;
            }

            PropertyInfo[] here = [.. path, property];
            object? current = defaults is null ? null : property.GetValue(defaults);
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (typeof(IEnumerable<string>).IsAssignableFrom(propertyType) && propertyType != typeof(string))
            {
                values[key + ":0"] = "first";
                values[key + ":1"] = "second";
                expected.Add((key, here, new[] { "first", "second" }));
            }
            else if (Different(propertyType, current) is (string text, object value))
            {
                if (property.SetMethod?.IsPublic != true)
                {
                    continue; // computed
                }

                values[key] = text;
                expected.Add((key, here, value));
            }
            else if (propertyType.IsClass && propertyType != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(propertyType))
            {
                Plan(propertyType, current, key, here, values, expected, skip, depth + 1);
            }
        }
    }

    /// <summary>A value of <paramref name="type"/> unlike <paramref name="current"/>, as configuration text; null for a type that is not a value.</summary>
    private static (string, object)? Different(Type type, object? current)
    {
        if (type.IsEnum)
        {
            foreach (object candidate in Enum.GetValues(type))
            {
                if (!Equals(candidate, current))
                {
                    return (candidate.ToString()!, candidate);
                }
            }

            return null;
        }

        return type switch
        {
            _ when type == typeof(string) => ("configured", "configured"),
            _ when type == typeof(bool) => (current is true ? "false" : "true", current is not true),
            _ when type == typeof(int) => Number((int)(current ?? 0) + 7),
            _ when type == typeof(long) => Number((long)(current ?? 0L) + 7),
            _ when type == typeof(double) => Number((double)(current ?? 0.0) + 0.375),
            _ when type == typeof(float) => ((((float)(current ?? 0f)) + 0.375f).ToString(CultureInfo.InvariantCulture), (double)(((float)(current ?? 0f)) + 0.375f)),
            _ when type == typeof(TimeSpan) => ((((TimeSpan)(current ?? TimeSpan.Zero)) + TimeSpan.FromSeconds(7)).ToString("c", CultureInfo.InvariantCulture), ((TimeSpan)(current ?? TimeSpan.Zero)) + TimeSpan.FromSeconds(7)),
            _ => null,
        };

        static (string, object) Number<TNumber>(TNumber value)
            where TNumber : IFormattable => (value.ToString(null, CultureInfo.InvariantCulture), value);
    }
}
