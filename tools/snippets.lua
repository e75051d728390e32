--[[ snippets.lua: the book shows the code that `make test` compiles.

A code block such as

    ```{include=chapters/01-cpu-or-io/stopwatch.c snippet=measure}
    ```

is replaced by the lines between `[snippet measure]` and `[end measure]`
in that file (the markers sit in comments: // # or /* */).  Without
`snippet=` the whole file is shown, minus marker lines.  A missing file,
or a missing or duplicated marker, stops the build with an error that
names both: pandoc 2.17 has no pandoc.log, so error() is the only way.

A code block with class `.table` and `include=plots/NN-slug/X.dat` becomes
a table of that measured data: the `# columns:` line names the columns and
the `# machine:` line says where it was measured.

A span `[]{.data include=plots/NN-slug/X.dat row=2 col=wall_(s)}` becomes
one measured value, so numbers in the prose come from the same data as
the figures.  `row` is a data row's number (from 1) or its first field;
`row=last` is the last row, whatever the machine made of the table;
`col` is a column's name or number; `times=N` multiplies the value.
`[]{.machine include=...}` gives the machine the data was measured on.
]]

local function fail(fmt, ...)
  error("\n\nsnippets.lua: " .. string.format(fmt, ...) .. "\n", 0)
end

-- SNIPPETS_READS=FILE: every file this read of the book used, once each
-- (its Markdown, this filter, and what listings and data spans include),
-- appended to FILE; make test compares the student copy's files with them.
local reads_log, logged = os.getenv("SNIPPETS_READS"), {}

local function note_read(path)
  if reads_log and path and not logged[path] then
    logged[path] = true
    local f = io.open(reads_log, "a")
    if f then
      f:write(path, "\n")
      f:close()
    end
  end
end

for _, input in ipairs(PANDOC_STATE.input_files) do note_read(input) end
note_read(PANDOC_SCRIPT_FILE)

local function read_lines(path)
  local f = io.open(path, "r")
  if not f then
    fail("%s: file not found (a listing includes it)", path)
  end
  note_read(path)
  local lines = {}
  for line in f:lines() do lines[#lines + 1] = line end
  f:close()
  return lines
end

local function marker(line)
  local kind, name = line:match("%[(snippet) ([%w_%-%.]+)%]")
  if not kind then kind, name = line:match("%[(end) ([%w_%-%.]+)%]") end
  return kind, name
end

local function dedent(lines)
  local indent
  for _, l in ipairs(lines) do
    if l:match("%S") then
      local lead = #l:match("^%s*")
      if not indent or lead < indent then indent = lead end
    end
  end
  local out = {}
  for i, l in ipairs(lines) do out[i] = l:sub((indent or 0) + 1) end
  return out
end

local function extract(path, name)
  local lines, out = read_lines(path), {}
  local start, stop
  for i, line in ipairs(lines) do
    local kind, n = marker(line)
    if n == name and kind == "snippet" then
      if start then
        fail("%s: snippet '%s' is marked twice (lines %d and %d)", path, name, start, i)
      end
      start = i
    elseif n == name and kind == "end" then
      if stop then
        fail("%s: snippet '%s' has two end markers (lines %d and %d)", path, name, stop, i)
      end
      stop = i
    end
  end
  if name and not start then
    fail("%s: no snippet named '%s' (add `[snippet %s]` and `[end %s]` markers)",
         path, name, name, name)
  end
  if name and (not stop or stop < start) then
    fail("%s: snippet '%s' has no `[end %s]` marker after line %d", path, name, name, start)
  end
  local from, to = (start or 0) + 1, (stop or #lines + 1) - 1
  for i = from, to do
    if not marker(lines[i]) then out[#out + 1] = lines[i] end
  end
  return table.concat(dedent(out), "\n")
end

local languages = { c = "c", h = "c", py = "python", sh = "bash",
                    gp = "gnuplot", mk = "makefile", yml = "yaml" }

local function language(path)
  if path:match("Makefile$") then return "makefile" end
  return languages[path:match("%.(%w+)$") or ""] or ""
end

local function fields(line)
  local out, sep = {}, line:find("\t") and "[^\t]+" or "%S+"
  for cell in line:gmatch(sep) do out[#out + 1] = cell end
  return out
end

-- A data file: its column names, its rows, and where it was measured.
local function read_data(path)
  local data = { rows = {} }
  for _, line in ipairs(read_lines(path)) do
    local c = line:match("^#%s*columns:%s*(.-)%s*$")
    local m = line:match("^#%s*machine:%s*(.-)%s*$")
    if c then data.columns = fields(c) end
    if m then data.machine = m end
    if line:match("%S") and not line:match("^#") then
      data.rows[#data.rows + 1] = fields(line)
    end
  end
  if not data.columns then
    fail("%s: no `# columns:` line to name the data's columns", path)
  end
  return data
end

local function spaced(s) return (s:gsub("_", " ")) end

-- `times=N` multiplies a measured value (a per-request cost scaled up to
-- N requests, say), keeping as many significant decimals as the data had.
local function scaled(cell, times, path)
  if not times then return cell end
  local v, f = tonumber(cell), tonumber(times)
  if not v or not f then
    fail("%s: cannot multiply '%s' by '%s' (a [.data] span asks for it)", path, cell, times)
  end
  local decimals = #(cell:match("%.(%d+)$") or "") - math.floor(math.log(f, 10) + 0.5)
  return string.format("%." .. math.max(decimals, 0) .. "f", v * f)
end

-- One value from a data file, for the prose.
local function data_value(span, path)
  local data, row, col = read_data(path), span.attributes.row, span.attributes.col
  local r = tonumber(row) and data.rows[tonumber(row)]
  if row == "last" then r = data.rows[#data.rows] end
  for _, cells in ipairs(data.rows) do
    if not r and cells[1] == row then r = cells end
  end
  if not r then fail("%s: no row '%s' (a [.data] span asks for it)", path, tostring(row)) end
  local c = tonumber(col)
  for i, name in ipairs(data.columns) do
    if not c and name == col then c = i end
  end
  if not c or not r[c] then
    fail("%s: no column '%s' (a [.data] span asks for it)", path, tostring(col))
  end
  return spaced(scaled(r[c], span.attributes.times, path))
end

function Span(span)
  local path = span.attributes.include
  if not path then return nil end
  if span.classes:includes("data") then return pandoc.Str(data_value(span, path)) end
  if span.classes:includes("machine") then
    return pandoc.Str(read_data(path).machine or "an unrecorded machine")
  end
  return nil
end

-- Measured data as a pipe table, with where it was measured.
local function data_table(block, path)
  local data = read_data(path)
  local head, rule = {}, {}
  for _, col in ipairs(data.columns) do
    head[#head + 1] = spaced(col)
    rule[#rule + 1] = "---"
  end
  local md = { "| " .. table.concat(head, " | ") .. " |",
               "|" .. table.concat(rule, "|") .. "|" }
  for _, cells in ipairs(data.rows) do
    local shown = {}
    for i, cell in ipairs(cells) do shown[i] = spaced(cell) end
    md[#md + 1] = "| " .. table.concat(shown, " | ") .. " |"
  end
  local machine = data.machine
  local caption = block.attributes.caption or ""
  if machine then caption = caption .. " Measured on " .. machine .. "." end
  md[#md + 1] = ""
  md[#md + 1] = ": " .. caption
  return pandoc.read(table.concat(md, "\n"), "markdown").blocks
end

function CodeBlock(block)
  local path = block.attributes.include
  if not path then return nil end
  if block.classes:includes("table") then return data_table(block, path) end
  local name = block.attributes.snippet
  local text = extract(path, name)
  block.attributes.include = nil
  block.attributes.snippet = nil
  if #block.classes == 0 then block.classes:insert(language(path)) end
  block.text = text
  local label = name and (path .. " — " .. name) or path
  return pandoc.Div({ pandoc.Para({ pandoc.Code(label) }), block },
                    pandoc.Attr("", { "listing" }))
end
