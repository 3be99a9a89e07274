# Opens a password-protected workbook through a running LibreOffice
# (soffice --headless --accept=socket,host=127.0.0.1,port=PORT;urp;) and
# prints the first sheet's used cells as JSON rows. Exit 3 when the file
# does not open (a wrong password).
# Usage: /usr/bin/python3 read_xlsx.py PORT FILE PASSWORD
import json
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    port, path, password = sys.argv[1], sys.argv[2], sys.argv[3]
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    ctx = None
    for _ in range(120):
        try:
            ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=%s;urp;StarOffice.ComponentContext" % port)
            break
        except Exception:
            time.sleep(0.5)
    if ctx is None:
        print("cannot reach LibreOffice", file=sys.stderr)
        return 2
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    args = (prop("Hidden", True), prop("Password", password), prop("ReadOnly", True))
    try:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, args)
    except Exception as e:
        print("did not open: %s" % e, file=sys.stderr)
        return 3
    if doc is None:
        print("did not open", file=sys.stderr)
        return 3
    try:
        sheet = doc.Sheets.getByIndex(0)
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        last_col, last_row = cursor.RangeAddress.EndColumn, cursor.RangeAddress.EndRow
        rows = []
        for r in range(last_row + 1):
            rows.append([sheet.getCellByPosition(c, r).getString() for c in range(last_col + 1)])
        print(json.dumps(rows))
    finally:
        doc.close(True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
